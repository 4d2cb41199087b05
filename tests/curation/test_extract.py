"""The two extraction passes: interface, settings, main-content layouts, bad input, real pages."""
from __future__ import annotations

import pytest

from curation.extract import Extraction, ExtractionConfig, drop_trailing_echo, extract_fast, extract_precise
from test_mathhtml import KATEX, MATHJAX2_RENDERED, MATHJAX_RAW, NEWS, PHPBB_FORUM, STACK_EXCHANGE, SUP_SUB, WIKIPEDIA, page

PASSES = [extract_fast, extract_precise]
IDS = ["fast", "precise"]


@pytest.mark.parametrize("extract", PASSES, ids=IDS)
def test_interface(extract):
    ex = extract(KATEX, "https://example.org/euler")
    assert isinstance(ex, Extraction)
    assert ex.math_markup == {"katex": 3, "mathml": 3}
    assert ex.tex_fragments == 3 and ex.fallback is None and ex.layout is None
    assert extract("", None) == Extraction("")


@pytest.mark.parametrize("extract", PASSES, ids=IDS)
def test_raw_tex_is_counted_and_rewritten_tex_is_not_counted_twice(extract):
    ex = extract(MATHJAX_RAW)
    # 7 raw delimited fragments + 1 environment, written as text by the page
    assert ex.math_markup == {"tex_delimited": 7, "tex_env": 1}
    assert ex.tex_fragments == 8
    ex = extract(MATHJAX2_RENDERED)
    # three <script type="math/tex"> became $...$ in the text: counted as scripts only
    assert ex.math_markup == {"mathjax_tex": 3, "mathjax_rendered": 3, "mathml": 3}
    assert ex.tex_fragments == 3


@pytest.mark.parametrize("extract", PASSES, ids=IDS)
def test_math_rewrite_can_be_switched_off(extract):
    off = ExtractionConfig(math=False)
    text = extract(MATHJAX2_RENDERED, config=off).text
    assert "\\pi r^2" not in text  # the TeX lived in scripts: plain extraction loses it
    assert extract(MATHJAX2_RENDERED, config=off).math_markup["mathjax_tex"] == 3  # still counted
    text = extract(SUP_SUB, config=ExtractionConfig(sup_sub=False)).text
    assert "x^{n}" not in text and "xn + yn = zn" in text


def test_stack_exchange_layout_keeps_question_answers_and_comments():
    for extract in PASSES:
        ex = extract(STACK_EXCHANGE)
        assert ex.layout == "qa"
        text = ex.text
        title = text.index("Why does the harmonic series diverge?")
        question = text.index("I know that")
        comment = text.index("Compare with")
        first, second = text.index("Group the terms"), text.index("Use the integral test")
        assert title < question < comment < first < second
        for chrome in ("Sorted by", "Hot Network Questions", "Not the answer you're looking for", "Log in"):
            assert chrome not in text
    without = extract_fast(STACK_EXCHANGE, config=ExtractionConfig(qa_comments=False)).text
    assert "Compare with" not in without and "Group the terms" in without


def test_schema_org_qa_page_of_another_site():
    html = page("Q", """<div itemscope itemtype="https://schema.org/QAPage"><div itemprop="mainEntity" itemscope itemtype="https://schema.org/Question">
<h1 itemprop="name">Is 1 prime?</h1><div itemprop="text"><p>Why is $1$ not a prime number?</p></div>
<div itemprop="suggestedAnswer" itemscope itemtype="https://schema.org/Answer"><div itemprop="text"><p>Because then factorisation into primes would not be unique: $6 = 2 \\cdot 3 = 1 \\cdot 2 \\cdot 3$.</p></div></div>
<div itemprop="acceptedAnswer" itemscope itemtype="https://schema.org/Answer"><div itemprop="text"><p>A prime has exactly two divisors; $1$ has one.</p></div></div></div></div>""")
    for extract in PASSES:
        ex = extract(html)
        assert ex.layout == "qa"
        assert "Is 1 prime?" in ex.text and "$6 = 2 \\cdot 3 = 1 \\cdot 2 \\cdot 3$" in ex.text
        assert "exactly two divisors" in ex.text


def test_wikipedia_layout_keeps_the_lead_and_drops_the_chrome():
    for extract in PASSES:
        ex = extract(WIKIPEDIA)
        assert ex.layout == "wiki"
        assert ex.text.startswith("Pythagorean theorem")
        assert "In mathematics, the Pythagorean theorem" in ex.text  # trafilatura alone drops the lead
        for chrome in ("[edit]", "Retrieved from", "Categories", "Ancient Greek mathematics", "Judith D. Sally"):
            assert chrome not in ex.text


def test_forum_posts_survive_the_precise_pass():
    ex = extract_precise(PHPBB_FORUM)
    assert ex.layout == "forum"
    assert "How do I show that" in ex.text and "Use $\\ln(1+x)" in ex.text
    assert "Junior Member" not in ex.text and "Post Reply" not in ex.text
    # the fast pass keeps them through resiliparse's own main-content heuristics
    assert "Use $\\ln(1+x)" in extract_fast(PHPBB_FORUM).text


def test_layouts_can_be_switched_off():
    ex = extract_fast(STACK_EXCHANGE, config=ExtractionConfig(site_layouts=False))
    assert ex.layout is None and "Group the terms" in ex.text


def test_trafilatura_echo_on_short_pages_is_removed():
    # trafilatura appends the paragraphs of a short page a second time ("wild text recovery")
    import trafilatura

    first = "<div><p>First paragraph with enough words to be kept by the extractor, surely long enough.</p></div>"
    second = "<div><p>Second paragraph is different but also has some words in it so it counts.</p></div>"
    for body, n_first in ((first + second, 1), (first * 2, 2), ("<h2>Head</h2>" + first + second, 1)):
        html = f"<html><body><div id='content'><p>Title here</p>{body}</div></body></html>"
        raw = trafilatura.extract(html, favor_precision=True, include_comments=False)
        assert raw.count("First paragraph") == 2 * n_first  # the anchor's behaviour this guards against
        text = extract_precise(html).text
        assert text.count("First paragraph") == n_first and text.count("Title here") == 1
    assert drop_trailing_echo("a\nb\nc\na\nc") == "a\nb\nc"
    assert drop_trailing_echo("a\nb\na\nc") == "a\nb\na\nc"  # not an echo: c is new
    long = "x" * 300
    assert drop_trailing_echo(f"{long}\nb\n{long}") == f"{long}\nb\n{long}"  # long pages are not recovered


@pytest.mark.parametrize("extract", PASSES, ids=IDS)
@pytest.mark.parametrize("html", ["\x00\x01\xff binary", "no tags at all", "<html", "<p>unclosed <b>tags <math><mi>x",
                                  "<script type='math/tex'>", "<math>" * 300, "<sup>" * 500 + "x"])
def test_bad_input_never_raises(extract, html):
    ex = extract(html)
    assert isinstance(ex.text, str)


def test_plain_page_is_untouched_by_the_math_pass():
    on, off = extract_fast(NEWS), extract_fast(NEWS, config=ExtractionConfig(math=False, site_layouts=False))
    assert on.text == off.text and on.math_markup == {} and on.tex_fragments == 0


def test_real_pages(shared_data):
    """Every HTML response of the shared WARCs goes through both passes; none is math markup."""
    from curation.warc import iter_pages

    n = 0
    for name in ("resiliparse__warcfile.warc.gz", "dolma__sample-0000.warc.gz"):
        path = shared_data / "warc" / name
        if not path.exists():
            pytest.skip(f"{path} is absent")
        for p in iter_pages(str(path)):
            if p.error or "html" not in p.content_type:
                continue
            fast, precise = extract_fast(p.html, p.url), extract_precise(p.html, p.url)
            assert fast.fallback is None and precise.fallback is None
            assert fast.math_markup == {} and fast.tex_fragments == 0, p.url
            n += 1
    assert n >= 30


def test_web_pipeline_settings_reach_the_fast_pass():
    """pipelines.web.extraction carries these settings to the web pipeline's extraction step."""
    from datatrove.data import Document

    from curation.config import validate
    from curation.steps.extract import ExtractText

    cfg = validate({"pipelines": {"web": {"extraction": {"mode": "fast", "sup_sub": False}}}})
    ex = cfg.pipelines.web.extraction
    step = ExtractText(ex.mode, ex.min_chars, ex)
    doc = Document(text=SUP_SUB, id="1", metadata={"url": "https://example.org/fermat"})
    assert step.process(doc) is None
    assert "xn + yn = zn" in doc.text  # sup_sub off
    doc = Document(text=KATEX, id="2", metadata={"url": "https://example.org/euler"})
    step.process(doc)
    assert "$e^{i\\pi} + 1 = 0$" in doc.text and doc.metadata["math_markup"] == 6
