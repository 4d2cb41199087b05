"""Presentation MathML -> LaTeX.

Used for <math> elements that carry no TeX of their own (no application/x-tex annotation, no
alttext): MathJax 3's assistive MathML, hand-written MathML, `<script type="math/mml">`, KaTeX
output without annotation. The markup is read by a small tolerant tokenizer (a stack that closes
unclosed elements, ignores stray end tags, decodes every HTML5 entity): MathML is regular enough,
and walking plain Python objects is far cheaper than walking a DOM through its bindings.

The output is plain, conventional LaTeX: scripts always braced (`x^{2}`), fractions as
`\\frac{a}{b}`, fences from <mfenced> as `\\left( ... \\right)`, tables as `matrix`.
A conversion is bounded: deeper than MAX_DEPTH or more than MAX_NODES elements raises
MathTooComplex, and the caller falls back to the element's plain text.
"""
from __future__ import annotations

import html
import re
import unicodedata

MAX_DEPTH = 120
MAX_NODES = 20_000


class MathTooComplex(Exception):
    """A <math> element too deep or too large to convert within its bound."""


# Characters that need a command in LaTeX. Anything not here passes through as itself.
GREEK = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "ϵ": r"\epsilon", "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ϑ": r"\vartheta",
    "ι": r"\iota", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi",
    "π": r"\pi", "ϖ": r"\varpi", "ρ": r"\rho", "ϱ": r"\varrho", "σ": r"\sigma", "ς": r"\varsigma",
    "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi", "ϕ": r"\phi", "χ": r"\chi", "ψ": r"\psi",
    "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda",
    "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma", "Υ": r"\Upsilon", "Φ": r"\Phi", "Ψ": r"\Psi",
    "Ω": r"\Omega", "µ": r"\mu",
}
SYMBOLS = {
    "±": r"\pm", "∓": r"\mp", "×": r"\times", "÷": r"\div", "·": r"\cdot", "⋅": r"\cdot",
    "∘": r"\circ", "∙": r"\bullet", "∗": r"\ast", "⋆": r"\star", "≤": r"\le", "≥": r"\ge",
    "⩽": r"\leqslant", "⩾": r"\geqslant", "≠": r"\neq", "≈": r"\approx", "≡": r"\equiv",
    "∼": r"\sim", "≃": r"\simeq", "≅": r"\cong", "∝": r"\propto", "≪": r"\ll", "≫": r"\gg",
    "≺": r"\prec", "≻": r"\succ", "≔": r":=", "≜": r"\triangleq", "∞": r"\infty",
    "∂": r"\partial", "∇": r"\nabla", "∑": r"\sum", "∏": r"\prod", "∐": r"\coprod",
    "∫": r"\int", "∬": r"\iint", "∭": r"\iiint", "∮": r"\oint", "√": r"\surd", "∈": r"\in",
    "∉": r"\notin", "∋": r"\ni", "⊂": r"\subset", "⊃": r"\supset", "⊆": r"\subseteq",
    "⊇": r"\supseteq", "⊊": r"\subsetneq", "⊋": r"\supsetneq", "⊄": r"\not\subset",
    "∪": r"\cup", "∩": r"\cap", "⋃": r"\bigcup", "⋂": r"\bigcap", "∅": r"\emptyset",
    "∀": r"\forall", "∃": r"\exists", "∄": r"\nexists", "¬": r"\neg", "∧": r"\wedge",
    "∨": r"\vee", "⋀": r"\bigwedge", "⋁": r"\bigvee", "⊕": r"\oplus", "⊗": r"\otimes",
    "⊙": r"\odot", "⊖": r"\ominus", "⨁": r"\bigoplus", "⨂": r"\bigotimes", "→": r"\to",
    "←": r"\leftarrow", "↔": r"\leftrightarrow", "⇒": r"\Rightarrow", "⇐": r"\Leftarrow",
    "⇔": r"\Leftrightarrow", "⟹": r"\implies", "⟸": r"\impliedby", "⟺": r"\iff",
    "⟶": r"\longrightarrow", "⟵": r"\longleftarrow", "↦": r"\mapsto", "⟼": r"\longmapsto",
    "↑": r"\uparrow", "↓": r"\downarrow", "⟨": r"\langle", "⟩": r"\rangle", "〈": r"\langle",
    "〉": r"\rangle", "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil", "⌉": r"\rceil",
    "‖": r"\|", "∥": r"\parallel", "∣": r"\mid", "⊥": r"\perp", "∠": r"\angle", "°": r"^{\circ}",
    "′": "'", "″": "''", "‴": "'''", "…": r"\ldots", "⋯": r"\cdots", "⋮": r"\vdots",
    "⋱": r"\ddots", "ℓ": r"\ell", "ℏ": r"\hbar", "ℵ": r"\aleph", "∖": r"\setminus",
    "⊢": r"\vdash", "⊨": r"\models", "⊤": r"\top", "△": r"\triangle", "□": r"\square",
    "ℑ": r"\Im", "ℜ": r"\Re", "℘": r"\wp", "∁": r"\complement", "−": "-", "–": "-",
    "{": r"\{", "}": r"\}", "#": r"\#", "%": r"\%", "&": r"\&", "$": r"\$", "_": r"\_",
    "\\": r"\backslash", "~": r"\sim", "^": r"\hat{}", "\u00a0": r"\ ",
}
INVISIBLE = dict.fromkeys(map(ord, "\u2061\u2062\u2063\u2064\u200b\ufeff"), None)
FUNCTIONS = set(
    "sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth log ln lg exp det dim ker "
    "deg gcd hom arg lim liminf limsup max min sup inf Pr".split()
)
LARGE_OPERATORS = {r"\sum", r"\prod", r"\coprod", r"\bigcup", r"\bigcap", r"\bigoplus",
                   r"\bigotimes", r"\bigwedge", r"\bigvee", r"\int", r"\iint", r"\iiint", r"\oint",
                   r"\lim", r"\liminf", r"\limsup", r"\max", r"\min", r"\sup", r"\inf"}
ACCENTS_OVER = {
    "^": r"\hat", "ˆ": r"\hat", "\u0302": r"\hat", "¯": r"\bar", "‾": r"\overline",
    "\u0305": r"\overline", "\u0304": r"\bar", "_": r"\overline", "―": r"\overline",
    "~": r"\tilde", "˜": r"\tilde", "\u0303": r"\tilde", "→": r"\vec", "⃗": r"\vec",
    "\u20d7": r"\vec", "˙": r"\dot", "\u0307": r"\dot", ".": r"\dot", "¨": r"\ddot",
    "\u0308": r"\ddot", "..": r"\ddot", "ˇ": r"\check", "˘": r"\breve", "´": r"\acute",
    "`": r"\grave", "⏞": r"\overbrace", "︷": r"\overbrace", "←": r"\overleftarrow",
    "↔": r"\overleftrightarrow",
}
ACCENTS_UNDER = {"_": r"\underline", "¯": r"\underline", "‾": r"\underline", "\u0332": r"\underline",
                 "⏟": r"\underbrace", "︸": r"\underbrace"}
VARIANTS = {"bold": r"\mathbf", "double-struck": r"\mathbb", "script": r"\mathcal",
            "fraktur": r"\mathfrak", "sans-serif": r"\mathsf", "monospace": r"\mathtt",
            "bold-italic": r"\boldsymbol", "normal": r"\mathrm"}
# Mathematical alphanumeric symbols (𝑥, 𝐱, ℝ, 𝔤 ...): the unicode name says the variant.
NAME_VARIANTS = (("DOUBLE-STRUCK", r"\mathbb"), ("FRAKTUR", r"\mathfrak"), ("BLACK-LETTER", r"\mathfrak"),
                 ("BOLD SCRIPT", r"\mathcal"), ("SCRIPT", r"\mathcal"), ("BOLD", r"\mathbf"),
                 ("SANS-SERIF", r"\mathsf"), ("MONOSPACE", r"\mathtt"))
TEXT_ESCAPES = str.maketrans({"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$",
                              "%": r"\%", "&": r"\&", "#": r"\#", "_": r"\_", "^": r"\^{}",
                              "~": r"\~{}", "\u00a0": " "})
_CONTROL_WORD_END = re.compile(r"\\[A-Za-z]+$")
_SINGLE_TOKEN = re.compile(r"^(?:\\[A-Za-z]+(?:\{[^{}]*\})?|\\.|[^\\{}\s]|\{[^{}]*\})$")


def symbol(ch: str) -> str:
    """One character of token content -> LaTeX."""
    if ch in SYMBOLS:
        return SYMBOLS[ch]
    if ch in GREEK:
        return GREEK[ch]
    if ord(ch) < 128:
        return ch
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch and len(folded) == 1:
        name = unicodedata.name(ch, "")
        base = GREEK.get(folded, folded)
        for key, command in NAME_VARIANTS:
            if key in name:
                return f"{command}{{{base}}}"
        return base
    return ch


def join(pieces) -> str:
    """Concatenate LaTeX pieces, keeping `\\alpha x` from fusing into `\\alphax`."""
    out = ""
    for p in pieces:
        if not p:
            continue
        if out and _CONTROL_WORD_END.search(out) and (p[0].isalpha()):
            out += " "
        out += p
    return out


def group(latex: str) -> str:
    """A script base: braced unless it is already one token or a fenced group."""
    s = latex.strip()
    if _SINGLE_TOKEN.match(s):
        return s
    if (s.startswith("\\left") and s.endswith(")")) or (s[:1] == "(" and s[-1:] == ")" and s.count("(") == 1):
        return s
    return "{" + s + "}"


class MNode:
    """A MathML element: tag, raw attribute string, children (MNode or text)."""

    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: str = ""):
        self.tag, self.attrs, self.children = tag, attrs, []

    def getattr(self, name: str) -> str | None:
        m = re.search(r"(?:^|\s)" + re.escape(name) + r"\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+))", self.attrs)
        return html.unescape(next(g for g in m.groups() if g is not None)) if m else None

    @property
    def elements(self) -> list[MNode]:
        return [c for c in self.children if isinstance(c, MNode)]

    @property
    def text(self) -> str:
        parts, stack = [], [self]
        while stack:  # iterative: a pathological tree must not exhaust the Python stack
            node = stack.pop()
            if isinstance(node, str):
                parts.append(node)
            else:
                stack.extend(reversed(node.children))
        return "".join(parts)


# Comments, tags (quoted values bounded, an unquoted `<` ends a tag), text, a stray `<`.
_TOKENS = re.compile(r"<!--.{0,4000}?-->|<(/?)([A-Za-z][\w:.-]*)((?:[^<>\"']|\"[^\"]{0,4000}\"|'[^']{0,4000}')*)>|([^<]+)|<", re.S)
_TOKEN_ELEMENTS = {"mtext", "mi", "mo", "mn", "ms"}
_EMPTY = {"mspace", "none", "mprescripts", "malignmark", "maligngroup", "mglyph", "br", "img"}


def parse_mathml(markup: str, max_nodes: int = MAX_NODES) -> MNode:
    """A tolerant parse of MathML markup into MNodes; the root is the first <math> (or a wrapper)."""
    root = MNode("#root")
    stack = [root]
    count = 0
    for m in _TOKENS.finditer(markup):
        closing, tag, attrs, text = m.groups()
        if text is not None:
            if not text.isspace() or stack[-1].tag in _TOKEN_ELEMENTS:  # keep <mtext> </mtext>
                stack[-1].children.append(html.unescape(text) if "&" in text else text)
            continue
        if tag is None:
            if m.group(0) == "<":
                stack[-1].children.append("<")
            continue
        tag = tag.lower()
        if ":" in tag:
            tag = tag.rsplit(":", 1)[-1]  # <m:mi> -> mi
        if closing:
            for i in range(len(stack) - 1, 0, -1):
                if stack[i].tag == tag:
                    del stack[i:]
                    break
            continue
        count += 1
        if count > max_nodes:
            raise MathTooComplex(f"MathML larger than {max_nodes} elements")
        node = MNode(tag, attrs)
        stack[-1].children.append(node)
        if tag not in _EMPTY and not attrs.endswith("/"):
            stack.append(node)
    maths = [c for c in root.children if isinstance(c, MNode) and c.tag == "math"]
    return maths[0] if len(maths) == 1 else root


class MathMLConverter:
    """One conversion. Counts elements so a pathological tree stops at its bound."""

    def __init__(self, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES):
        self.max_depth, self.max_nodes = max_depth, max_nodes
        self.nodes = 0

    def convert(self, math_node: MNode) -> str:
        return self.children(math_node, 0).strip()

    # -- helpers -----------------------------------------------------------------------------
    def children(self, node: MNode, depth: int) -> str:
        parts = []
        for c in node.children:
            if isinstance(c, MNode):
                parts.append(self.node(c, depth + 1))
            elif c.strip():
                parts.append(self.token_text(c.strip()))
        return join(parts)

    def arg(self, elems, i: int, depth: int) -> str:
        return self.node(elems[i], depth + 1) if i < len(elems) else ""

    def token_text(self, text: str) -> str:
        text = text.translate(INVISIBLE).strip()
        return join(symbol(ch) for ch in text if not ch.isspace())

    # -- elements ----------------------------------------------------------------------------
    def node(self, el: MNode, depth: int) -> str:
        self.nodes += 1
        if depth > self.max_depth or self.nodes > self.max_nodes:
            raise MathTooComplex(f"MathML deeper than {self.max_depth} or larger than {self.max_nodes} elements")
        tag = el.tag
        handler = getattr(self, "m_" + tag.replace("-", "_"), None)
        if handler is not None:
            return handler(el, depth)
        if tag in ("annotation", "annotation-xml", "none", "mprescripts", "maligngroup", "malignmark"):
            return ""
        return self.children(el, depth)  # mrow, mstyle, mpadded, merror, math, unknown ...
    def m_mi(self, el, depth):
        text = el.text.translate(INVISIBLE).strip()
        if not text:
            return ""
        variant = el.getattr("mathvariant")
        if len(text) > 1:
            if text in FUNCTIONS:
                return "\\" + text
            if text.isascii() and text.isalpha():
                return r"\mathrm{" + text + "}"
            return self.token_text(text)
        body = symbol(text)
        if variant and variant != "italic" and variant in VARIANTS and body.isascii() and len(body) == 1:
            return f"{VARIANTS[variant]}{{{body}}}"
        return body

    def m_mn(self, el, depth):
        return self.token_text(el.text)

    def m_mo(self, el, depth):
        text = el.text.translate(INVISIBLE).strip()
        if text in FUNCTIONS:
            return "\\" + text
        return self.token_text(text)

    def m_mtext(self, el, depth):
        text = el.text.translate(INVISIBLE)
        if not text.strip():
            return r"\ " if text else ""
        return r"\text{" + text.translate(TEXT_ESCAPES) + "}"

    def m_ms(self, el, depth):
        return r'\text{"' + el.text.translate(TEXT_ESCAPES) + '"}'

    def m_mspace(self, el, depth):
        if el.getattr("linebreak") == "newline":
            return r"\\"
        width = (el.getattr("width") or "").strip()
        named = {"thinmathspace": r"\,", "mediummathspace": r"\:", "thickmathspace": r"\;",
                 "veryverythinmathspace": r"\,", "verythinmathspace": r"\,", "negativethinmathspace": r"\!"}
        if width in named:
            return named[width]
        m = re.match(r"^(-?[\d.]+)\s*em$", width)
        if not m:
            return r"\ " if width else ""
        em = float(m.group(1)) if m.group(1) not in (".", "-", "-.") else 0.0
        if em < 0:
            return r"\!"
        for limit, cmd in ((0.2, r"\,"), (0.25, r"\:"), (0.5, r"\;"), (1.5, r"\quad")):
            if em < limit:
                return cmd
        return r"\qquad"

    def m_semantics(self, el, depth):
        elems = el.elements
        return self.node(elems[0], depth + 1) if elems else ""

    def m_mfrac(self, el, depth):
        e = el.elements
        num, den = self.arg(e, 0, depth), self.arg(e, 1, depth)
        if (el.getattr("linethickness") or "").strip() in ("0", "0pt", "0em", "0px"):
            return r"\genfrac{}{}{0pt}{}{" + num + "}{" + den + "}"
        return r"\frac{" + num + "}{" + den + "}"

    def m_msqrt(self, el, depth):
        return r"\sqrt{" + self.children(el, depth) + "}"

    def m_mroot(self, el, depth):
        e = el.elements
        return r"\sqrt[" + self.arg(e, 1, depth) + "]{" + self.arg(e, 0, depth) + "}"

    def _base(self, e, depth):
        return group(self.arg(e, 0, depth)) if e else "{}"

    def m_msup(self, el, depth):
        e = el.elements
        return self._base(e, depth) + "^{" + self.arg(e, 1, depth) + "}"

    def m_msub(self, el, depth):
        e = el.elements
        return self._base(e, depth) + "_{" + self.arg(e, 1, depth) + "}"

    def m_msubsup(self, el, depth):
        e = el.elements
        return self._base(e, depth) + "_{" + self.arg(e, 1, depth) + "}^{" + self.arg(e, 2, depth) + "}"

    def m_mover(self, el, depth):
        e = el.elements
        base, over = self.arg(e, 0, depth), self.arg(e, 1, depth)
        mark = e[1].text.strip() if len(e) > 1 else ""
        if mark in ACCENTS_OVER:
            cmd = ACCENTS_OVER[mark]
            if cmd == r"\bar" and not _SINGLE_TOKEN.match(base):
                cmd = r"\overline"
            if cmd == r"\vec" and not _SINGLE_TOKEN.match(base):
                cmd = r"\overrightarrow"
            return cmd + "{" + base + "}"
        if base in LARGE_OPERATORS:
            return base + "^{" + over + "}"
        return r"\overset{" + over + "}{" + base + "}"

    def m_munder(self, el, depth):
        e = el.elements
        base, under = self.arg(e, 0, depth), self.arg(e, 1, depth)
        mark = e[1].text.strip() if len(e) > 1 else ""
        if mark in ACCENTS_UNDER:
            return ACCENTS_UNDER[mark] + "{" + base + "}"
        if base in LARGE_OPERATORS:
            return base + "_{" + under + "}"
        return r"\underset{" + under + "}{" + base + "}"

    def m_munderover(self, el, depth):
        e = el.elements
        base, under, over = self.arg(e, 0, depth), self.arg(e, 1, depth), self.arg(e, 2, depth)
        if base in LARGE_OPERATORS:
            return base + "_{" + under + "}^{" + over + "}"
        return r"\overset{" + over + r"}{\underset{" + under + "}{" + base + "}}"

    def m_mmultiscripts(self, el, depth):
        e = el.elements
        base = self._base(e, depth)
        post, pre, target = [], [], None
        target = post
        for child in e[1:]:
            if child.tag == "mprescripts":
                target = pre
                continue
            target.append("" if child.tag == "none" else self.node(child, depth + 1))

        def scripts(items):
            return "".join(f"_{{{items[i]}}}^{{{items[i + 1] if i + 1 < len(items) else ''}}}"
                           for i in range(0, len(items), 2))

        return ("{}" + scripts(pre) if pre else "") + base + scripts(post)

    def m_mfenced(self, el, depth):
        opening = el.getattr("open")
        closing = el.getattr("close")
        opening = "(" if opening is None else opening.strip()
        closing = ")" if closing is None else closing.strip()
        seps = el.getattr("separators")
        seps = [s for s in ("," if seps is None else seps) if not s.isspace()]
        items = [self.node(c, depth + 1) for c in el.elements]
        body = ""
        for i, item in enumerate(items):
            if i:
                body += seps[min(i - 1, len(seps) - 1)] if seps else ""
            body += item

        def fence(ch):
            return symbol(ch) if ch else "."

        return r"\left" + fence(opening) + body + r"\right" + fence(closing)

    def m_menclose(self, el, depth):
        body = self.children(el, depth)
        notation = (el.getattr("notation") or "longdiv").split()
        if "box" in notation or "roundedbox" in notation:
            return r"\boxed{" + body + "}"
        if "updiagonalstrike" in notation or "downdiagonalstrike" in notation:
            return r"\cancel{" + body + "}"
        if "radical" in notation:
            return r"\sqrt{" + body + "}"
        if "top" in notation:
            return r"\overline{" + body + "}"
        if "bottom" in notation:
            return r"\underline{" + body + "}"
        return body

    def m_mphantom(self, el, depth):
        return r"\phantom{" + self.children(el, depth) + "}"

    def m_maction(self, el, depth):
        e = el.elements
        return self.arg(e, 0, depth) if e else ""

    def m_mtable(self, el, depth):
        rows = []
        for row in el.elements:
            if row.tag not in ("mtr", "mlabeledtr"):
                continue
            cells = [c for c in row.elements if c.tag == "mtd"]
            if row.tag == "mlabeledtr":
                cells = cells[1:]  # the first cell is the equation label
            rows.append(" & ".join(self.children(c, depth + 1) for c in cells))
        return r"\begin{matrix}" + r"\\".join(rows) + r"\end{matrix}"

    def m_mglyph(self, el, depth):
        return el.getattr("alt") or ""


def mathml_to_latex(markup: str, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> str:
    """LaTeX for MathML markup (a <math> element). Raises MathTooComplex past the bound."""
    return MathMLConverter(max_depth, max_nodes).convert(parse_mathml(markup, max_nodes))

