"""Math-aware HTML preprocessing: rewrite math markup into delimited LaTeX before extraction.

Text extractors keep visible text and drop scripts, hidden elements and images, which is exactly
where web pages keep their mathematics. `rewrite_math(html)` replaces each piece of math markup
in a page by text holding `$tex$` (inline) or `$$tex$$` (display), so any extractor run
afterwards keeps it:

- MathJax: `<script type="math/tex">` (`; mode=display` -> `$$`); the rendered output
  (.MathJax, .MathJax_Preview, ...) is dropped so nothing is doubled. MathJax 3 keeps no TeX
  in the page: its `<mjx-container>` is converted from the assistive MathML inside it.
  `math/asciimath` scripts become plain text, `math/mml` scripts are converted.
- KaTeX: the `application/x-tex` annotation of `.katex-mathml`; `.katex-html` goes with it.
- MathML `<math>`: TeX annotation, else `alttext`, else curation.mathml's conversion.
- TeX images (class tex/latex, codecogs, latex.php, mimetex.cgi, ...): alt, title or the TeX in
  the image URL; Wikipedia's .mwe-math-element (MathML + fallback image) becomes one formula.
- `<sup>`/`<sub>` -> `^{...}`/`_{...}` (footnote marks and ordinals left alone).
- Raw TeX already between $...$, $$...$$, \\(...\\), \\[...\\] is text and is left verbatim.

`count_math_markup(html)` is the cheap raw-HTML signal (regexes, no parse) recorded in stats as
`math_markup`; MATH_GATE is the CSS selector the extractor asks the parsed page for to decide
whether to rewrite at all. `source_tex_fragments` / `tex_retention` measure how
much of a page's TeX survives extraction.
"""
from __future__ import annotations

import html as htmllib
import re
import time
from bisect import bisect_right, insort
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from curation.mathml import MathTooComplex, mathml_to_latex

# ---------------------------------------------------------------------------------------------
# Raw-HTML signal
# ---------------------------------------------------------------------------------------------
# This runs on every page, so each pattern starts with a literal (Python's re then scans with a
# fast substring search) and is only run when a plain `in` test says it can match.
_I = re.I
_MATHJAX2_FRAME = re.compile(r"MathJax-Element-\d+-Frame")  # one per rendered MathJax 2 formula
_MATHML = re.compile(r"<math[\s>]")
_KATEX = re.compile(r"katex(?=[\s\"'])")  # the class token "katex" (not katex-display, -html, ...)
_IMG_TAG = re.compile(r"<img\b[^<>]*>", _I)
_TEX_IMAGE_SRC = re.compile(r"codecogs\.com|latex\.php|mimetex\.cgi|mathtex\.cgi|/latex\?|cht=tx", _I)
_TEX_IMAGE_CLASSES = {"tex", "latex", "latexcenter"}
_TEX_IMAGE_HINTS = ("latex", "codecogs", "mimetex", "mathtex", "cht=tx", 'tex"', "tex'", "tex ")


def is_tex_image(tag: str, more_classes: set[str] = frozenset()) -> bool:
    """Whether an <img> start tag is a rendered TeX formula: by class (tex, latex, latexcenter)
    or by a TeX-rendering service in its URL (codecogs, latex.php, mimetex.cgi, ...)."""
    low = tag.lower()
    if "tex" not in low and "codecogs" not in low and "cht=tx" not in low and not (more_classes and "mwe-math" in low):
        return False
    classes = set((attr(tag, "class") or "").split())
    return bool(classes & _TEX_IMAGE_CLASSES or classes & more_classes or _TEX_IMAGE_SRC.search(attr(tag, "src") or ""))

# Every pattern here is linear in the page, also on adversarial input: a start delimiter or
# tag is matched alone and its end found by one search whose result serves all later starts
# before it (see `between`); character classes stop at the next delimiter.
_DISPLAY_DOLLARS = re.compile(r"\$\$(?<![\\]\$\$)([^$]{1,5000}?)\$\$")
# Inline $...$: no space just inside the dollars and no digit/word right after the closing one,
# which is what separates TeX from prices ("$5 and $10", "$5-$10"). In HTML a TeX `<` is
# written `&lt;`, so a raw `<` or `>` ends the candidate; in extracted text it does not.
_INLINE_DOLLARS = re.compile(r"\$(?<![\\$\w]\$)(?=[^\s$])([^$<>]{1,400}?)(?<=[^\s\\])\$(?![$\w])")
_INLINE_DOLLARS_TEXT = re.compile(r"\$(?<![\\$\w]\$)(?=[^\s$])([^$]{1,400}?)(?<=[^\s\\])\$(?![$\w])")
_ENV_NAMES = r"(?:equation|align|gather|multline|eqnarray|displaymath|math|flalign)\*?"
_DELIMITER_PAIRS = (  # kind, opening, closing, longest content
    ("env", re.compile(r"\\begin\{(" + _ENV_NAMES + r")\}"), re.compile(r"\\end\{(" + _ENV_NAMES + r")\}"), 8000),
    ("display", re.compile(r"\\\[()"), re.compile(r"\\\]()"), 5000),
    ("inline", re.compile(r"\\\(()"), re.compile(r"\\\)()"), 2000),
)
# Where raw TeX is not page text: scripts, styles, code (MathJax skips code too), comments.
_NON_TEXT_BLOCKS = [
    (re.compile(rf"<{tag}\b()", _I), re.compile(rf"</{tag}\s*>()", _I))
    for tag in ("script", "style", "pre", "code", "textarea")
] + [(re.compile(r"<!--()"), re.compile(r"-->()"))]


def between(source: str, opening: re.Pattern, closing: re.Pattern, max_len: int | None = None):
    """(start, end, opening match, content) of each span from an `opening` match to the next
    `closing` match, spans not overlapping, in order. Linear: the closing match found for one
    opening serves every later opening before it, and an opening with none after it ends it."""
    close = None
    last_end = 0
    for m in opening.finditer(source):
        if m.start() < last_end:
            continue
        if close is None or close.start() < m.end():
            close = closing.search(source, m.end())
            if close is None:
                return
        if max_len is not None and close.start() - m.end() > max_len:
            continue
        last_end = close.end()
        yield m.start(), close.end(), m, source[m.end(): close.start()]


def non_text_blocks(html: str) -> list[tuple[int, int]]:
    """Merged, sorted spans of the scripts, styles, code blocks and comments of a page."""
    return _merged([(s, e) for opening, closing in _NON_TEXT_BLOCKS if opening.search(html)
                    for s, e, _, _ in between(html, opening, closing)])


def raw_tex_fragments(source: str, is_html: bool = True) -> list[tuple[str, str]]:
    """(kind, tex) for raw delimited TeX written in page text, in source order.

    kind: "env" (a whole \\begin{equation}...\\end{equation}), "display" or "inline". With
    `is_html`, matches inside scripts, styles, code, comments or a tag's attributes are not page
    text and are skipped (entities stay undecoded); else `source` is extracted text.
    """
    if not ("$" in source or "\\" in source):
        return []
    found: list[tuple[int, int, str, str]] = []
    for kind, opening, closing, max_len in _DELIMITER_PAIRS:
        for s, e, m, content in between(source, opening, closing, max_len):
            if kind != "env":
                found.append((s, e, kind, content))
            elif source.endswith("\\end{" + m.group(1) + "}", s, e):  # the same environment
                found.append((s, e, kind, source[s:e]))
    if "$" in source:
        for kind, pattern in (("display", _DISPLAY_DOLLARS), ("inline", _INLINE_DOLLARS if is_html else _INLINE_DOLLARS_TEXT)):
            found.extend((m.start(), m.end(), kind, m.group(1)) for m in pattern.finditer(source))
    if not found:
        return []
    # Earlier kinds win where fragments overlap ($ inside \[...\], an environment inside $$...$$).
    priority = {"env": 0, "display": 1, "inline": 2}
    found.sort(key=lambda f: (f[0], priority[f[2]]))
    blocks = non_text_blocks(source) if is_html and "<" in source else []
    starts = [b[0] for b in blocks]
    out, last_end = [], -1
    for s, e, kind, tex in found:
        if s < last_end:
            continue  # inside the fragment before it
        if is_html:
            i = bisect_right(starts, s) - 1
            if i >= 0 and s < blocks[i][1]:
                continue  # inside a script, style, code block or comment
            if source.rfind("<", 0, s) > source.rfind(">", 0, s):
                continue  # inside a tag: an attribute value
        if tex.strip():
            out.append((kind, tex))
            last_end = e
    return out


def count_raw_tex(fragments: list[tuple[str, str]], counts: dict[str, int]) -> dict[str, int]:
    """Add raw TeX fragments to family counts: tex_env for environments, else tex_delimited."""
    for kind, _ in fragments:
        family = "tex_env" if kind == "env" else "tex_delimited"
        counts[family] = counts.get(family, 0) + 1
    return counts


def count_math_markup(html: str, raw_tex: bool = True) -> dict[str, int]:
    """Counts of each math markup family in raw HTML (only families found). Regexes, no parse.

    mathjax_tex (MathJax <script type="math/tex">), asciimath, mathjax_rendered (rendered MathJax
    2/3 formulas), mathml (<math>), katex, wiki_math (MediaWiki .mwe-math-element), tex_image,
    and with `raw_tex`: tex_delimited (raw $...$, $$...$$, \\(...\\), \\[...\\] in page text)
    and tex_env (raw \\begin{equation}... environments).
    """
    counts: dict[str, int] = {}

    def add(family: str, n: int) -> None:
        if n:
            counts[family] = counts.get(family, 0) + n

    if "math/" in html:
        add("mathjax_tex", html.count("math/tex"))
        add("asciimath", html.count("math/asciimath"))
    if "MathJax-Element-" in html:
        add("mathjax_rendered", sum(1 for _ in _MATHJAX2_FRAME.finditer(html)))
    if "<mjx-container" in html:
        add("mathjax_rendered", html.count("<mjx-container"))
    if "<math" in html:
        add("mathml", sum(1 for _ in _MATHML.finditer(html)))
    if "katex" in html:
        add("katex", sum(1 for m in _KATEX.finditer(html) if html[m.start() - 1] in "\"' \t\n"))
    if "mwe-math-element" in html:
        add("wiki_math", html.count("mwe-math-element"))
    if any(h in html for h in _TEX_IMAGE_HINTS):
        add("tex_image", sum(1 for m in _IMG_TAG.finditer(html) if is_tex_image(m.group(0))))
    if raw_tex:
        count_raw_tex(raw_tex_fragments(html), counts)
    return counts


# Families the rewrite acts on (raw delimited TeX is text already: nothing to rewrite).
REWRITTEN_FAMILIES = frozenset({"mathjax_tex", "asciimath", "mathjax_rendered", "mathml", "katex", "wiki_math", "tex_image"})

# Elements the rewrite acts on, as CSS selectors.
TEX_IMAGES = (
    "img.tex, img.latex, img.latexcenter, img[src*='codecogs.com'], img[src*='latex.php'], "
    "img[src*='mimetex.cgi'], img[src*='mathtex.cgi'], img[src*='/latex?'], img[src*='cht=tx']"
)
# One C-level query for this on the parsed page decides whether a page goes through the rewrite
# at all (most pages have none of it). Tag selectors are cheap, class selectors are not: every
# family brings a tag (KaTeX and Wikipedia a <math>, rendered MathJax 2 its <script>), and TeX
# images are caught broadly here, exactly by the rewrite.
MATH_GATE = (
    "math, mjx-container, script[type^='math/'], sup, sub, "
    "img[src*='tex'], img[class*='tex'], img[src*='cht=tx']"
)


def needs_rewrite(html: str) -> bool:
    """Whether the page has markup the preprocessor rewrites (else: extract it as it is)."""
    from resiliparse.parse.html import HTMLTree

    doc = HTMLTree.parse(html).document
    return doc is not None and doc.query_selector(MATH_GATE) is not None


_STYLE_WRAPPER = re.compile(r"^\{\s*\\(?:display|text|script|scriptscript)style\b\s*")
_DELIMITED = re.compile(r"^(\$\$?|\\\(|\\\[)(.*?)(\$\$?|\\\)|\\\])$", re.S)
_FOOTNOTE = re.compile(r"^\s*(?:\[\s*[\w\s,–-]{1,12}\]|[*†‡§¶]+|\d{1,3}\)|[a-z]\))\s*$|^(?:st|nd|rd|th|er|e|re|o|a|TM|SM)$")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", _I)


def clean_tex(tex: str) -> str:
    """Trim, and unwrap MediaWiki's `{\\displaystyle ...}` (an artifact of its renderer)."""
    tex = tex.strip()
    m = _STYLE_WRAPPER.match(tex)
    if m and tex.endswith("}") and _closing_brace(tex, 0) == len(tex) - 1:
        tex = tex[m.end(): -1].strip()
    return tex


_BRACE_TOKENS = re.compile(r"\\.|[{}]", re.S)


def _closing_brace(s: str, start: int) -> int:
    """Index of the brace closing the one at `start` (escaped braces skipped), else -1."""
    depth = 0
    for m in _BRACE_TOKENS.finditer(s, start):
        ch = m.group(0)
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return m.start()
    return -1


def delimit(tex: str, display: bool) -> str:
    tex = clean_tex(tex)
    if not tex:
        return ""
    if _DELIMITED.match(tex) and not tex.startswith("\\begin"):
        return tex  # already delimited (AoPS alt texts are "$...$")
    if tex.endswith("\\"):
        tex += " "
    return f"$${tex}$$" if display else f"${tex}$"


# ---------------------------------------------------------------------------------------------
# The rewrite: on the HTML string, before the page is parsed for extraction
# ---------------------------------------------------------------------------------------------
# Per-element work on a parsed DOM costs microseconds per node access in Python; on the string,
# one literal-prefixed regex finds each family's elements and the page is re-assembled once.
# Elements inside one already rewritten (the MathML inside a KaTeX span, the assistive MathML
# inside a MathJax frame) are skipped, so each formula is taken once, from its best source.


@dataclass
class RewriteReport:
    converted: int = 0  # math elements turned into delimited TeX
    removed: int = 0  # rendered duplicates dropped
    sup_sub: int = 0  # <sup>/<sub> rewritten
    fallback: str | None = None  # why the rewrite stopped early, if it did
    inserted: list[str] = field(default_factory=list)  # the TeX put into the page (inside delimiters)


class _OutOfTime(Exception):
    pass


_ELEMENT_TAGS: dict[str, re.Pattern] = {}  # tag name -> its start/end tag pattern (element_end)


# A start tag's attributes, quotes respected. Quoted values are bounded and an unquoted `<`
# ends the attempt, so a page of unclosed tags or stray quotes costs linear time.
_TAG_ATTRS = r"(?:[^<>\"']|\"[^\"]{0,4000}\"|'[^']{0,4000}')*"
_ATTR = {}  # attribute name -> compiled pattern


def attr(tag: str, name: str) -> str | None:
    """The (entity-decoded) value of attribute `name` in a start tag string, else None."""
    pattern = _ATTR.get(name)
    if pattern is None:
        pattern = _ATTR[name] = re.compile(
            r"\s" + re.escape(name) + r"\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+))", _I
        )
    m = pattern.search(tag)
    if m is None:
        return None
    return htmllib.unescape(next(g for g in m.groups() if g is not None))


_MJX3_START = re.compile(r"<mjx-container\b(" + _TAG_ATTRS + r")>")
_MJX3_END = re.compile(r"</mjx-container\s*>")
# Class-marked elements are found from a literal in their class name (fast), then checked.
_MJX2_MARK = re.compile(r"MathJax|MJX|mjx-chtml")
_MJX2_CLASSES = {
    "MathJax", "MathJax_Preview", "MathJax_Display", "MathJax_SVG", "MathJax_SVG_Display", "MathJax_CHTML",
    "MathJax_PHTML", "MathJax_MathML", "MathJax_MathContainer", "MJXc-display", "mjx-chtml", "MJX_Assistive_MathML",
}
_MJX2_MESSAGE = re.compile(r"<div\b[^<>]*\bid\s*=\s*[\"']MathJax_Message[\"'][^<>]*>[^<]{0,2000}</div\s*>")
_KATEX_MARK = re.compile(r"katex")
_KATEX_CLASSES = {"katex", "katex-display"}
_WIKI_MARK = re.compile(r"mwe-math-element")
_WIKI_CLASSES = {"mwe-math-element"}
_TAG_NAME = re.compile(r"<([a-zA-Z][\w-]*)")
_MATH_SCRIPT_START = re.compile(r"<script\b(?=[^<>]*math/)(" + _TAG_ATTRS + r")>", _I)
_SCRIPT_END = re.compile(r"</script\s*>", _I)
_MATH_START = re.compile(r"<math\b(" + _TAG_ATTRS + r")>")
_MATH_END = re.compile(r"</math\s*>")
_IMG = re.compile(r"<img\b" + _TAG_ATTRS + ">", _I)
_TEX_ANNOTATION = re.compile(
    r"<annotation\b[^<>]*encoding\s*=\s*[\"'](?:application/x-tex|TeX|application/x-latex|text/latex)[\"'][^<>]*>"
    r"([^<]*)</annotation\s*>",  # TeX in HTML has its < escaped
    _I,
)
_TAGS = re.compile(r"<[^<>]*>")
_OPEN_HIDDEN_WRAPPER = re.compile(r"<(span|div)\b(" + _TAG_ATTRS + r")>\s*$")
_SUP_SUB = re.compile(
    r"<(sup|sub)\b(" + _TAG_ATTRS + r")>((?:[^<]|</?(?:i|b|em|strong|var|span|font)\b[^<>]*>){1,120}?)</\1\s*>",
    _I,
)
_WIKI_IMAGE_CLASSES = {"mwe-math-fallback-image-inline", "mwe-math-fallback-image-display"}


def _text_of(markup: str) -> str:
    return " ".join(htmllib.unescape(_TAGS.sub(" ", markup)).split())


def _html_text(text: str) -> str:
    """Text to put into HTML as a text node (escaped; display math spaced from its neighbours)."""
    escaped = htmllib.escape(text, quote=False)
    return f" {escaped} " if text.startswith("$$") else escaped


def closed_elements(html: str, start: re.Pattern, end: re.Pattern):
    """(start, end, attributes, content, element html) of each element opened by `start` (its
    group 1: the attributes) and closed by the next `end`, in order; linear (see `between`)."""
    for s, e, m, content in between(html, start, end):
        yield s, e, m.group(1), content, html[s:e]


def first_math(markup: str):
    """(attributes, element html) of the first <math> element in `markup`, else None."""
    for _, _, attrs, _, element in closed_elements(markup, _MATH_START, _MATH_END):
        return attrs, element
    return None


class MathRewriter:
    """Rewrites one page's HTML. `time_budget_s` bounds the whole rewrite."""

    def __init__(self, html: str, families: dict[str, int] | None = None, math: bool = True,
                 sup_sub: bool = True, time_budget_s: float = 1.0):
        self.html = html
        self.families = count_math_markup(html, raw_tex=False) if families is None else families
        self.math, self.sup_sub = math, sup_sub
        self.deadline = time.monotonic() + time_budget_s
        self.report = RewriteReport()
        self.edits: list[tuple[int, int, str]] = []  # sorted, non-overlapping (start, end, html)

    # -- plumbing ------------------------------------------------------------------------------
    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise _OutOfTime

    def free(self, start: int, end: int) -> bool:
        """Whether [start, end) is untouched by the edits so far."""
        i = bisect_right(self.edits, (start, end))
        return not ((i and self.edits[i - 1][1] > start) or (i < len(self.edits) and self.edits[i][0] < end))

    def edit(self, start: int, end: int, text: str | None) -> None:
        """Replace html[start:end] by `text` (a formula or plain text; None: remove)."""
        insort(self.edits, (start, end, _html_text(text) if text else ""))
        if text is None:
            self.report.removed += 1
            return
        self.report.converted += 1
        m = _DELIMITED.match(text)
        if m:
            self.report.inserted.append(m.group(2))

    def element_end(self, tag: str, start: int, limit: int = 500_000) -> int:
        """End of the element whose start tag is at `start` (balanced on `tag`), or -1."""
        depth = 0
        pattern = _ELEMENT_TAGS.get(tag)
        if pattern is None:
            pattern = _ELEMENT_TAGS[tag] = re.compile(r"<(/?)" + re.escape(tag) + r"\b[^<>]*>", _I)
        for m in pattern.finditer(self.html, start, min(len(self.html), start + limit)):
            depth += -1 if m.group(1) else 1
            if depth == 0:
                return m.end()
        return -1

    def elements(self, marker: re.Pattern, classes: set[str]):
        """(start, end, start tag, inner html) of each free element with one of `classes`,
        found from `marker` (a literal of those class names) and checked in its start tag."""
        html = self.html
        last_tag = skip_to = -1
        for m in marker.finditer(html):
            pos = m.start()
            if pos < skip_to:
                continue
            self.check_time()
            lt = html.rfind("<", 0, pos)
            if lt <= last_tag or lt < html.rfind(">", 0, pos):
                continue  # this start tag was seen already, or the marker is not inside a tag
            gt = html.find(">", pos)
            name = _TAG_NAME.match(html, lt)
            if gt < 0 or name is None:
                continue
            last_tag = lt
            tag = html[lt: gt + 1]
            if not self.free(lt, gt + 1) or not classes.intersection((attr(tag, "class") or "").split()):
                continue
            end = self.element_end(name.group(1), lt)
            if end < 0 or not self.free(lt, end):
                continue
            yield lt, end, tag, html[gt + 1: end]
            if not self.free(lt, end):
                skip_to = end  # the caller rewrote it: nothing inside needs a look

    def result(self) -> str:
        out, pos = [], 0
        escapes = self.price_escapes()
        for start, end, text in sorted(self.edits + escapes) if escapes else self.edits:
            out.append(self.html[pos:start])
            out.append(text)
            pos = end
        out.append(self.html[pos:])
        return "".join(out)

    def price_escapes(self) -> list[tuple[int, int, str]]:
        """Zero-width edits putting a backslash before each dollar of the page's text when we put
        `$...$` formulas in and the page's text writes none itself: its dollars are prices, and
        "$5 and $3" would pair up with our formulas. Dollars in scripts, code blocks, comments,
        tags and the rewritten elements stay as they are."""
        html = self.html
        if "$" not in html or not any(text.startswith("$") for _, _, text in self.edits):
            return []
        covered = _merged(non_text_blocks(html) + [(start, end) for start, end, _ in self.edits])
        starts = [s for s, _ in covered]
        runs = [m.span() for m in _TEXT_RUN.finditer(html) if html.find("$", *m.span()) >= 0]  # text between tags
        run_starts = [s for s, _ in runs]

        def page_text(p: int) -> bool:
            i, j = bisect_right(starts, p) - 1, bisect_right(run_starts, p) - 1
            return not (i >= 0 and p < covered[i][1]) and j >= 0 and p < runs[j][1]

        for pattern in (_DISPLAY_DOLLARS, _INLINE_DOLLARS):
            if any(page_text(m.start()) for m in pattern.finditer(html)):
                return []  # the page writes TeX between dollars: its dollars are not ours to read
        return [(p, p, "\\") for s, e in runs for p in _bare_dollars(html, s, e) if page_text(p)]

    # -- families ------------------------------------------------------------------------------
    def run(self) -> tuple[str, RewriteReport]:
        html = self.html
        try:
            if self.math:
                f = self.families
                if "<mjx-container" in html:
                    self.mathjax3()
                if "mathjax_rendered" in f or "MathJax" in html:
                    self.mathjax2_rendered()
                if "katex" in f:
                    self.katex()
                if "wiki_math" in f:
                    self.wikipedia()
                if "mathjax_tex" in f or "asciimath" in f or "math/mml" in html:
                    self.math_scripts()
                if "mathml" in f:
                    self.mathml()
                if "tex_image" in f or "mwe-math-fallback" in html:
                    self.tex_images()
        except _OutOfTime:
            self.report.fallback = "time_budget"
        html = self.result() if self.edits else html
        if self.sup_sub and self.report.fallback != "time_budget":
            try:
                html = self.sup_sub_pass(html)
            except _OutOfTime:
                self.report.fallback = "time_budget"
        return html, self.report

    def mathjax3(self) -> None:
        # MathJax 3 keeps no TeX in the page; its assistive MathML is the source left.
        for start, end, attrs, inner, _ in closed_elements(self.html, _MJX3_START, _MJX3_END):
            self.check_time()
            if not self.free(start, end):
                continue
            tex = attr(attrs, "data-latex") or attr(attrs, "data-tex")
            if not tex:
                math = first_math(inner)
                tex = self.math_tex(*math) if math else ""
            display = (attr(attrs, "display") or "") in ("true", "block")
            self.edit(start, end, delimit(tex, display) if tex else None)

    def mathjax2_rendered(self) -> None:
        # MathJax 2 keeps the source <script> next to its output: drop the output.
        for start, end, _, inner in self.elements(_MJX2_MARK, _MJX2_CLASSES):
            if "math/" not in inner:  # never drop an element holding the source script
                self.edit(start, end, None)
        for m in _MJX2_MESSAGE.finditer(self.html):
            if self.free(*m.span()):
                self.edit(m.start(), m.end(), None)

    def katex(self) -> None:
        for start, end, tag, inner in self.elements(_KATEX_MARK, _KATEX_CLASSES):
            display = "katex-display" in (attr(tag, "class") or "")
            math = first_math(inner)
            tex = self.math_tex(*math) if math else ""
            if not tex:  # KaTeX with output="html" has no MathML: keep its visible text
                self.edit(start, end, _text_of(inner) or None)
                continue
            self.edit(start, end, delimit(tex, display))

    def wikipedia(self) -> None:
        for start, end, _, inner in self.elements(_WIKI_MARK, _WIKI_CLASSES):
            math = first_math(inner)
            tex = self.math_tex(*math) if math else ""
            if not tex:
                img = _IMG.search(inner)
                tex = (attr(img.group(0), "alt") or "") if img else ""
            display = ("mwe-math-mathml-display" in inner or "mwe-math-fallback-image-display" in inner
                       or (math is not None and attr(math[0], "display") == "block"))
            self.edit(start, end, delimit(tex, display) if tex.strip() else None)

    def math_scripts(self) -> None:
        for start, end, attrs, body, _ in closed_elements(self.html, _MATH_SCRIPT_START, _SCRIPT_END):
            self.check_time()
            kind = (attr(attrs, "type") or "").lower().replace(" ", "")
            if not kind.startswith("math/") or not self.free(start, end):
                continue
            if "&" in body:  # raw text in HTML, but XHTML pages and templating escape it
                body = htmllib.unescape(body)
            if kind.startswith("math/tex"):
                self.edit(start, end, delimit(body, "mode=display" in kind) or None)
            elif kind.startswith("math/asciimath"):
                self.edit(start, end, body.strip() or None)  # not TeX: kept as plain text
            elif kind.startswith("math/mml"):
                math = first_math(body)
                tex = self.math_tex(*math) if math else ""
                self.edit(start, end, delimit(tex, 'display="block"' in body) or None)

    def mathml(self) -> None:
        for start, end, attrs, _, element in closed_elements(self.html, _MATH_START, _MATH_END):
            self.check_time()
            if not self.free(start, end):
                continue
            tex = self.math_tex(attrs, element)
            display = (attr(attrs, "display") or "").lower() == "block" or attr(attrs, "mode") == "display"
            start, end = self.hidden_wrapper(start, end)
            self.edit(start, end, delimit(tex, display) or None)

    def tex_images(self) -> None:
        for m in _IMG.finditer(self.html):
            self.check_time()
            tag = m.group(0)
            if not is_tex_image(tag, _WIKI_IMAGE_CLASSES) or not self.free(*m.span()):
                continue
            classes = (attr(tag, "class") or "").split()
            tex = attr(tag, "alt") or attr(tag, "title") or tex_from_image_url(attr(tag, "src") or "")
            display = "latexcenter" in classes or "mwe-math-fallback-image-display" in classes
            if tex.strip():
                self.edit(m.start(), m.end(), delimit(tex, display))

    def sup_sub_pass(self, html: str) -> str:
        # A <sup> whose content is plain text is innermost, so repeating the pass turns
        # x<sup>y<sup>2</sup></sup> into x^{y^{2}}.
        def rewrite(m: re.Match) -> str:
            self.check_time()
            tag, attrs, inner = m.group(1).lower(), m.group(2), m.group(3)
            text = _text_of(inner)
            cls = (attr(attrs, "class") or "").lower()
            if (not text or len(text) > 60 or _FOOTNOTE.match(text)
                    or "reference" in cls or "footnote" in cls or "noprint" in cls):
                return m.group(0)
            self.report.sup_sub += 1
            return htmllib.escape(("^{" if tag == "sup" else "_{") + text + "}", quote=False)

        for _ in range(4):
            before = self.report.sup_sub
            html = _SUP_SUB.sub(rewrite, html)
            if self.report.sup_sub == before:
                break
        return html

    # -- helpers -------------------------------------------------------------------------------
    def math_tex(self, attrs: str, element: str) -> str:
        """TeX for a <math> element: its TeX annotation, else alttext, else a conversion."""
        ann = _TEX_ANNOTATION.search(element)
        if ann and ann.group(1).strip():
            return htmllib.unescape(ann.group(1))
        alt = attr(attrs, "alttext")
        if alt and alt.strip():
            return alt
        try:
            return mathml_to_latex(element)
        except MathTooComplex:
            self.report.fallback = self.report.fallback or "mathml_too_complex"
            return _text_of(element)
        finally:
            self.check_time()

    def hidden_wrapper(self, start: int, end: int) -> tuple[int, int]:
        """Widen [start, end) to a hidden wrapper element holding only this formula.

        Pages hide accessible MathML next to a rendered image; the TeX must replace the hidden
        wrapper or the extractor drops it along with the wrapper.
        """
        before = _OPEN_HIDDEN_WRAPPER.search(self.html, max(0, start - 400), start)
        if before is None:
            return start, end
        tag, attrs = before.group(1), before.group(2)
        hidden = " hidden" in attrs or 'aria-hidden="true"' in attrs or _HIDDEN_STYLE.search(attrs)
        close = re.compile(r"\s*</" + tag + r"\s*>", _I).match(self.html, end)
        if hidden and close:
            return before.start(), close.end()
        return start, end


_TEXT_RUN = re.compile(r">[^<]*|^[^<]+")
_BARE_DOLLAR = re.compile(r"(?<!\\)\$")


def _bare_dollars(html: str, start: int, end: int):
    return (m.start() for m in _BARE_DOLLAR.finditer(html, start, end))


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint union of possibly overlapping spans."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def rewrite_math(html: str, families: dict[str, int] | None = None, math: bool = True, sup_sub: bool = True,
                 time_budget_s: float = 1.0) -> tuple[str, RewriteReport]:
    """Rewrite the math markup (and <sup>/<sub>) of an HTML page into delimited LaTeX.

    `families`: the page's count_math_markup (computed if not given) says which families to
    look for. Returns the rewritten HTML and what was done.
    """
    return MathRewriter(html, families, math=math, sup_sub=sup_sub, time_budget_s=time_budget_s).run()


def tex_from_image_url(src: str) -> str:
    """TeX encoded in a TeX-rendering image URL (codecogs, mimetex, latex.php?latex=...)."""
    if not src:
        return ""
    parts = urlsplit(src)
    params = parse_qs(parts.query)
    for key in ("latex", "chl", "tex", "formula"):
        if params.get(key):
            return params[key][0]
    if parts.query and ("codecogs" in src or "mimetex" in src or "mathtex" in src):
        q = unquote(parts.query).replace("&space;", " ")
        return _RENDER_OPTIONS.sub("", q).strip()
    return ""


# Rendering options codecogs/mimetex URLs put before the formula: \dpi{120}, \bg_white, \inline ...
_RENDER_OPTIONS = re.compile(
    r"^(?:\s*\\(?:dpi\{\d+\}|[bf]g_\w+|[bf]g\{[^}]*\}|inline|large|Large|LARGE|small|tiny|huge|Huge|normalsize)\s*)+"
)



# ---------------------------------------------------------------------------------------------
# Retention metric
# ---------------------------------------------------------------------------------------------
_OUT_SPANS = re.compile(
    r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$"
    r"|(\\begin\{([a-zA-Z]+\*?)\}.+?\\end\{\6\})",
    re.S,
)


def normalize_tex(tex: str) -> str:
    return "".join(clean_tex(tex).split())


def delimited_spans(text: str) -> list[str]:
    """Contents of the delimited TeX spans of an extracted text."""
    out = []
    for m in _OUT_SPANS.finditer(text):
        out.append(next(g for g in m.groups()[:5] if g is not None))
    return out


def count_tex_fragments(text: str) -> int:
    """Delimited TeX fragments (and equation environments) in extracted text: `tex_fragments`."""
    return len(raw_tex_fragments(text, is_html=False))


def source_tex_fragments(html: str) -> list[str]:
    """The page's TeX as written in its source: math scripts, TeX annotations (else alttext),
    TeX image alt texts, and raw delimited TeX in page text. Presentation-only MathML has no
    source TeX and is not counted here (the fidelity tests check its conversion)."""
    from resiliparse.parse.html import HTMLTree

    tree = HTMLTree.parse(html)
    out: list[str] = []
    root = tree.document
    for s in root.query_selector_all("script[type^='math/tex']"):
        out.append(htmllib.unescape(s.text))
    for math in root.query_selector_all("math"):
        ann = math.query_selector("annotation[encoding='application/x-tex']")
        if ann is not None and ann.text.strip():
            out.append(ann.text)
        elif math.getattr("alttext"):
            out.append(math.getattr("alttext"))
    for img in root.query_selector_all(TEX_IMAGES):
        if not img.closest(".mwe-math-element"):
            tex = img.getattr("alt") or img.getattr("title") or tex_from_image_url(img.getattr("src") or "")
            m = _DELIMITED.match(tex.strip())
            out.append(m.group(2) if m else tex)
    out.extend(htmllib.unescape(f) for _, f in raw_tex_fragments(html))
    return [f for f in out if f.strip()]


def tex_retention(html: str, text: str) -> tuple[int, int]:
    """(fragments found inside delimiters in `text`, fragments in the source of `html`).

    Comparison ignores whitespace and MediaWiki's {\\displaystyle} wrapper; a fragment counts as
    found when some delimited span of the output contains it (each span used once).
    """
    wanted = Counter(normalize_tex(f) for f in source_tex_fragments(html))
    wanted.pop("", None)
    spans = Counter(normalize_tex(s) for s in delimited_spans(text))
    found = 0
    for frag, n in wanted.items():
        exact = min(n, spans.get(frag, 0))
        spans[frag] -= exact
        found += exact
        need = n - exact
        if need:
            for span, m in spans.items():
                if need and m > 0 and frag in span:
                    take = min(need, m)
                    spans[span] -= take
                    found += take
                    need -= take
    return found, sum(wanted.values())
