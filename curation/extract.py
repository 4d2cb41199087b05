"""HTML -> text, keeping the mathematics. Two passes, as MegaMath:

- `extract_fast`: every page of the `web` pipeline. A cheap test (substring/regex counts on an
  ASCII page, one CSS query on the parsed tree otherwise) says whether the page has math markup
  or <sup>/<sub>; only then is its HTML rewritten by curation.mathhtml. resiliparse's
  main-content extraction runs on the parsed (rewritten) page.
- `extract_precise`: the `rextract` pipeline, on the survivors of dedup. Same preprocessor, then
  trafilatura with precision settings on the rewritten page.

Both use `select_site_content` where they recognise the page: on Q&A pages (Stack Exchange and
other schema.org QAPages), forums and MediaWiki articles the main content is known from the
markup, and general-purpose heuristics are known to drop answers or the lead paragraphs there
(the fast pass looks for Q&A and MediaWiki only, with two id lookups and an attribute lookup;
resiliparse keeps forum posts on its own, trafilatura does not).

Neither raises on bad HTML; `Extraction.fallback` says when the math rewrite was cut short
(`time_budget`, `mathml_too_complex`) or the page could not be parsed.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pydantic import Field

from curation.schema import StrictModel


class ExtractionConfig(StrictModel):
    """Extraction settings (`pipelines.web.extraction` fast pass, `pipelines.rextract.extraction`)."""

    math: bool = True  # rewrite math markup into delimited LaTeX before extraction
    sup_sub: bool = True  # <sup>/<sub> -> ^{...}/_{...}
    math_time_budget_s: float = Field(default=1.0, gt=0)  # per page; past it the rewrite stops
    site_layouts: bool = True  # Q&A / forum / wiki main-content selection
    qa_comments: bool = True  # keep the comments under Q&A posts
    main_content: bool = True  # fast pass: resiliparse main-content heuristics
    favor_precision: bool = True  # precise pass: trafilatura settings
    include_tables: bool = True
    include_comments: bool = False
    # rextract only: per-page bound on the precise pass, which then runs in datatrove's
    # extractor sandbox (a subprocess); None: in-process, unbounded.
    timeout_s: float | None = Field(default=20.0, gt=0)


DEFAULT_CONFIG = ExtractionConfig()


@dataclass
class Extraction:
    text: str
    math_markup: dict[str, int] = field(default_factory=dict)  # markup family -> count
    tex_fragments: int = 0  # delimited TeX fragments in `text`
    fallback: str | None = None  # why math rewriting stopped early / extraction degraded
    layout: str | None = None  # site layout used for main-content selection, if any


# ---------------------------------------------------------------------------------------------
# Site layouts: where the main content is known from the markup
# ---------------------------------------------------------------------------------------------
QA_POSTS = ".js-post-body, .post-text, [itemprop='text']"
QA_COMMENTS = ".comment-copy"  # Stack Exchange comments: hints and corrections, often with math
QA_MARKERS = (
    "[itemtype*='schema.org/Question'], [itemprop='acceptedAnswer'], [itemprop='suggestedAnswer'], "
    "#question .js-post-body, .question .post-text"
)
QA_TITLES = "#question-header h1, h1[itemprop='name'], [itemtype*='schema.org/Question'] [itemprop='name'], .question-hyperlink, h1"
FORUM_POSTS = (
    "div.postbody div.content, [id^='post_message_'], .message-body .bbWrapper, .topic-body .cooked, "
    "[itemtype*='DiscussionForumPosting'] [itemprop='articleBody'], "
    "[itemtype*='DiscussionForumPosting'] [itemprop='text'], [itemtype*='schema.org/Comment'] [itemprop='text']"
)
FORUM_TITLES = "h1, h2.topic-title, .topic-title, .threadtitle"
WIKI_BODY = ".mw-parser-output"
LAYOUT_MARKERS = QA_MARKERS + ", " + FORUM_POSTS + ", " + WIKI_BODY
WIKI_TITLES = "#firstHeading, h1"
WIKI_CLUTTER = (
    ".navbox, .navbox-styles, .vertical-navbox, .mw-editsection, .reflist, .mw-references-wrap, "
    "ol.references, #toc, .toc, .sidebar, .infobox, .hatnote, .shortdescription, .metadata, .ambox, "
    ".noprint, .mw-empty-elt, .mw-cite-backlink, .printfooter, .catlinks, sup.reference, style, "
    ".mw-jump-link, .navigation-not-searchable"
)


def _outermost(nodes) -> list:
    """Drop nodes contained in another node of the list (given in document order).

    In document order a node inside an earlier kept node is inside the last kept one.
    """
    out: list = []
    for n in nodes:
        if not out or not out[-1].contains(n):
            out.append(n)
    return out


def _first_text(root, selectors: str) -> str:
    """Text of the first element matching the first selector (in priority order) that matches."""
    for selector in selectors.split(", "):
        node = root.query_selector(selector)
        if node is not None:
            return " ".join(node.text.split())
    return ""


def _document(title: str, bodies: list) -> str:
    from html import escape

    parts = [f"<h1>{escape(title)}</h1>"] if title else []
    parts += [f"<div>{b.html}</div>" for b in bodies]
    head = f"<title>{escape(title)}</title>" if title else ""
    return f"<html><head>{head}</head><body><article>{''.join(parts)}</article></body></html>"


def select_site_content(tree, qa_comments: bool = True) -> tuple[str, str] | None:
    """(layout, html of just the main content) for Q&A, forum and MediaWiki pages, else None.

    Q&A: title, question, every answer (and their comments), in page order. Forum: title and
    every post body. MediaWiki: title and the article body without navigation boxes, edit
    links and reference lists.
    """
    root = tree.document
    if root is None or tree.body is None:
        return None
    body = tree.body
    if body.query_selector(QA_MARKERS) is not None:
        selector = QA_POSTS + (", " + QA_COMMENTS if qa_comments else "")
        posts = [p for p in _outermost(body.query_selector_all(selector)) if p.text.strip()]
        if any(not p.matches(QA_COMMENTS) for p in posts):
            return "qa", _document(_first_text(body, QA_TITLES), posts)
    posts = [p for p in _outermost(body.query_selector_all(FORUM_POSTS)) if p.text.strip()]
    if posts:
        return "forum", _document(_first_text(body, FORUM_TITLES), posts)
    wiki = body.query_selector(WIKI_BODY)
    if wiki is not None:
        title = _first_text(body, WIKI_TITLES)
        for node in wiki.query_selector_all(WIKI_CLUTTER):
            if node.parent is not None:
                node.parent.remove_child(node)
        if wiki.text.strip():
            return "wiki", _document(title, [wiki])
    return None


# ---------------------------------------------------------------------------------------------
# The two passes
# ---------------------------------------------------------------------------------------------
@dataclass
class Prepared:
    """A page after the math rewrite and layout selection, ready for an extractor."""

    html: str  # the page, rewritten if it had math markup
    tree: object | None = None  # resiliparse HTMLTree of `html`
    selected: str | None = None  # html of the selected main content, if a layout matched
    layout: str | None = None
    math_markup: dict[str, int] = field(default_factory=dict)
    inserted: list[str] = field(default_factory=list)  # TeX the rewrite put in (inside delimiters)
    rewritten: bool = False  # the tree differs from the page
    fallback: str | None = None


def has_layout_hint(doc, thorough: bool) -> bool:
    """Whether the page may have a known layout. The cheap checks (an attribute, two ids) find
    schema.org Q&A, Stack Exchange and MediaWiki; `thorough` adds a query for the forum layouts
    (the precise pass: trafilatura drops forum posts; resiliparse keeps them)."""
    if (len(doc.get_elements_by_attr("itemprop", "text")) or doc.get_element_by_id("question") is not None
            or doc.get_element_by_id("mw-content-text") is not None):
        return True
    return thorough and doc.query_selector(LAYOUT_MARKERS) is not None


def _math_in(html: str, prep: Prepared, cfg: ExtractionConfig) -> tuple[bool, bool]:
    """Count the page's math markup (regexes) into `prep`; (has rewritable math, has <sup>/<sub>)."""
    from curation.mathhtml import REWRITTEN_FAMILIES, count_math_markup

    prep.math_markup = count_math_markup(html, raw_tex=False)  # raw TeX: counted on the text
    has_math = bool(REWRITTEN_FAMILIES.intersection(prep.math_markup)) or "MathJax" in html
    sup_sub = cfg.math and cfg.sup_sub and ("<sup" in html or "<sub" in html or "<SU" in html)
    return has_math, sup_sub


def _rewrite(html: str, prep: Prepared, cfg: ExtractionConfig, has_math: bool, sup_sub: bool) -> None:
    from curation.mathhtml import rewrite_math

    prep.html, report = rewrite_math(html, prep.math_markup, math=cfg.math and has_math, sup_sub=sup_sub,
                                     time_budget_s=cfg.math_time_budget_s)
    prep.fallback, prep.inserted = report.fallback, report.inserted
    prep.rewritten = prep.html is not html


def prepare(html: str, cfg: ExtractionConfig, thorough: bool = False) -> Prepared:
    """Count and rewrite the math markup, parse, select the main content of known layouts.

    Deciding whether a page has math at all must cost next to nothing, as it runs on every page.
    """
    from resiliparse.parse.html import HTMLTree

    from curation.mathhtml import MATH_GATE

    prep = Prepared(html=html)
    if html.isascii():
        # Substring tests on a one-byte string are memchr-fast: the regex count decides before
        # any parse, and a math page is parsed once, after its rewrite.
        has_math, sup_sub = _math_in(html, prep, cfg)
        if (cfg.math and has_math) or sup_sub:
            _rewrite(html, prep, cfg, has_math, sup_sub)
    try:
        prep.tree = HTMLTree.parse(prep.html)
    except Exception as e:  # noqa: BLE001 - a page resiliparse cannot parse: extract it as is
        prep.fallback = f"parse_error: {type(e).__name__}"
        return prep
    doc = prep.tree.document
    if doc is None:
        return prep
    layout = cfg.site_layouts and has_layout_hint(doc, thorough)
    # Other pages: one C-level query on the parsed page first (most pages have no math markup,
    # and substring tests on a wide string cost more than the query).
    if not html.isascii() and doc.query_selector(MATH_GATE) is not None:
        has_math, sup_sub = _math_in(html, prep, cfg)
        if (cfg.math and has_math) or sup_sub:
            _rewrite(html, prep, cfg, has_math, sup_sub)
            if prep.rewritten:
                prep.tree = HTMLTree.parse(prep.html)
    if layout:
        chosen = select_site_content(prep.tree, qa_comments=cfg.qa_comments)
        if chosen:
            prep.layout, prep.selected = chosen
    return prep


def _result(text: str, prep: Prepared) -> Extraction:
    """The Extraction, with raw TeX (written as text by the page, not put in by the rewrite)
    counted in the extracted text: cheaper than on the HTML, and scripts are gone already."""
    from curation.mathhtml import count_raw_tex, raw_tex_fragments

    text = text or ""
    counts = dict(prep.math_markup)
    raw = raw_tex_fragments(text, is_html=False)
    n_fragments = len(raw)
    if raw and prep.inserted:
        ours = Counter(" ".join(t.split()) for t in prep.inserted)
        kept = []
        for kind, tex in raw:
            key = " ".join(tex.split())
            if ours[key] > 0:
                ours[key] -= 1
            else:
                kept.append((kind, tex))
        raw = kept
    count_raw_tex(raw, counts)
    return Extraction(text, counts, n_fragments, prep.fallback, prep.layout)


def _plain_text(source, main_content: bool) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(source, main_content=main_content, alt_texts=False)


def _selected_text(prep: Prepared) -> str:
    from resiliparse.parse.html import HTMLTree

    return _plain_text(HTMLTree.parse(prep.selected), main_content=False)


def extract_fast(html: str, url: str | None = None, config: ExtractionConfig | None = None) -> Extraction:
    """Fast pass: math preprocessor + resiliparse main-content extraction."""
    cfg = config or DEFAULT_CONFIG
    if not html:
        return Extraction("")
    prep = prepare(html, cfg)
    if prep.selected is not None:
        text = _selected_text(prep)
    else:
        text = _plain_text(prep.tree if prep.tree is not None else html, cfg.main_content)
    return _result(text, prep)


def extract_precise(html: str, url: str | None = None, config: ExtractionConfig | None = None) -> Extraction:
    """Precise pass: math preprocessor + trafilatura (precision settings).

    On a page whose layout was recognised the selection already is the main content, exact
    where trafilatura's heuristics are not (they drop answers and lead paragraphs), so its text
    is taken as selected.
    """
    import trafilatura

    cfg = config or DEFAULT_CONFIG
    if not html:
        return Extraction("")
    prep = prepare(html, cfg, thorough=True)
    if prep.selected is not None:
        return _result(_selected_text(prep), prep)
    text = trafilatura.extract(
        prep.html,
        url=url,
        favor_precision=cfg.favor_precision,
        include_comments=cfg.include_comments,
        include_tables=cfg.include_tables,
        deduplicate=False,  # trafilatura's dedup cache spans documents: output would depend on order
    )
    return _result(drop_trailing_echo(text or ""), prep)


def drop_trailing_echo(text: str, min_extracted_size: int = 250) -> str:
    """Remove trafilatura's echo of a short page.

    When what it extracted is shorter than MIN_EXTRACTED_SIZE (250 characters), trafilatura
    "recovers wild text" by appending every paragraph of the page again, including the ones it
    already has. The echo is a tail of lines that repeats, in order, lines of the text before it.
    """
    lines = text.split("\n")
    n = len(lines)
    for k in range((n + 1) // 2, n):  # k: lines kept; the tail is at most as long as the head
        head, tail = lines[:k], lines[k:]
        if len(" ".join(head)) >= min_extracted_size:
            break  # long enough: trafilatura recovered nothing
        it = iter(head)
        if all(any(line == h for h in it) for line in tail):  # tail is a subsequence of head
            return "\n".join(head)
    return text
