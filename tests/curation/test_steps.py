from datatrove.data import Document

from curation.pipelines.web import QualityConfig
from curation.steps.base import OctoStep, drop_mark
from curation.steps.language import LanguageFilter
from curation.steps.quality import QualityFilter
from curation.steps.urlfilter import UrlFilter

MATH = ("We solve the quadratic equation $x^2 - 5x + 6 = 0$ by factoring it as $(x-2)(x-3) = 0$. "
        "The roots are therefore $x = 2$ and $x = 3$, and we can check that both satisfy the equation. "
        "In general the roots of $ax^2 + bx + c = 0$ are given by $x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}$, "
        "and the sign of the discriminant $\\Delta = b^2 - 4ac$ tells us how many real roots there are. "
        "When $\\Delta < 0$ the two roots are complex conjugates of each other, which is the case for $x^2 + 1 = 0$.")


def doc(text, url="https://example.com/a", i="d"):
    return Document(text=text, id=i, metadata={"url": url, "domain": url.split("/")[2].removeprefix("www.")})


def run(step, docs):
    return list(step.run(iter(docs)))


def test_dropped_docs_are_marked_and_passed_through():
    class DropOdd(OctoStep):
        name = "odd"

        def process(self, d):
            return "odd" if int(d.id) % 2 else None

    class Count(OctoStep):
        name = "count"
        seen = 0

        def process(self, d):
            Count.seen += 1

    docs = run(Count(), run(DropOdd(), [doc("x", i=str(k)) for k in range(6)]))
    assert [d.id for d in docs] == [str(k) for k in range(6)]  # nothing removed, order kept
    assert [bool(drop_mark(d)) for d in docs] == [False, True] * 3
    assert Count.seen == 3  # later steps skip dropped documents


def test_url_filter(tmp_path):
    blocklist = tmp_path / "adult.txt"
    blocklist.write_text("# block list\nbad.example\nexample.org/ads/\n")
    f = UrlFilter(deny_domains=["spam.com"], blocklist_files=[str(blocklist)])
    f.setup(0, 1)
    docs = run(f, [doc("t", "https://www.spam.com/x"), doc("t", "https://sub.bad.example/y"),
                   doc("t", "https://example.org/ads/1"), doc("t", "https://good.org/z")])
    assert [drop_mark(d)["reason"] if drop_mark(d) else None for d in docs] == [
        "denied_domain:spam.com", "denied_domain:bad.example", "blocked_url:example.org/ads/", None]
    allow = UrlFilter(allow_domains=["math.org"])
    kept = [not drop_mark(d) for d in run(allow, [doc("t", "https://a.math.org/"), doc("t", "https://b.com/")])]
    assert kept == [True, False]


def test_language_filter_records_lang_and_score():
    f = LanguageFilter(["en"], 0.65)
    docs = run(f, [doc(MATH, i="en"), doc("Die Ableitung einer Funktion beschreibt ihre lokale Änderungsrate, "
                                          "und wir berechnen sie hier Schritt für Schritt.", i="de")])
    assert docs[0].metadata["lang"] == "en" and docs[0].metadata["lang_score"] > 0.65 and not drop_mark(docs[0])
    assert drop_mark(docs[1])["reason"] == "lang:de"


def test_quality_keeps_math_and_braces_drops_spam_and_short():
    f = QualityFilter(QualityConfig(min_words=30))
    code_math = MATH + " Code like `f = {a: $b}` and sets like $\\{1, 2, 3\\}$ are fine here too."
    spam = " ".join(["buy cheap pills now best price"] * 40)
    docs = run(f, [doc(MATH, i="m"), doc(code_math, i="c"), doc(spam, i="s"), doc("too short to keep", i="t")])
    reasons = {d.id: (drop_mark(d) or {}).get("reason") for d in docs}
    assert reasons["m"] is None and reasons["c"] is None
    assert reasons["s"].startswith("gopher_")
    assert reasons["t"].startswith("too_short")
