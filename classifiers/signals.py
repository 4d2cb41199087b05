"""Math signals in page text, for the offline bootstrap labels (not for scoring: that is fastText).

A page's *math density* is math signals per 100 words: LaTeX math commands (counted double: prose
never has them), equation-like spans (`3x + 5 = 20`, `x^2`, `f(x) =`), Unicode math symbols, and
words of mathematical language (theorem, integral, denominator ...). Equation spans are not
counted on code-like pages — `i = 0;` is an assignment, not an equation.

`strip_markup` removes what only says "a math renderer was here" (renderer names, their config
lines) from training text; the delimiters (`$`, `\\(`) are dropped by the normaliser itself.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

# LaTeX commands that only appear in mathematics (not \textbf, \section, \item ...).
MATH_COMMANDS = frozenset(
    """
    frac dfrac tfrac sqrt sum prod int iint iiint oint lim limsup liminf sup inf max min log ln exp
    sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh det dim ker deg gcd lcm binom choose
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi
    varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi
    Pi Sigma Upsilon Phi Psi Omega
    cdot cdots ldots dots vdots ddots times div pm mp ast star circ bullet oplus otimes
    le leq ge geq neq ne approx equiv sim simeq cong propto ll gg subset subseteq supset supseteq
    in notin ni cup cap setminus emptyset varnothing forall exists nexists neg land lor implies iff
    to rightarrow leftarrow Rightarrow Leftarrow Leftrightarrow leftrightarrow mapsto infty partial
    nabla angle perp parallel triangle mid nmid
    mathbb mathbf mathcal mathrm mathit mathfrak mathsf boldsymbol operatorname
    left right big Big bigg Bigg overline underline hat bar vec dot ddot tilde widetilde widehat
    overbrace underbrace overset underset stackrel pmod bmod mod
    begin end matrix pmatrix bmatrix vmatrix cases aligned align equation
    """.split()
)
LATEX_COMMAND = re.compile(r"\\([A-Za-z]+)")

MATH_WORDS = frozenset(
    """
    theorem theorems lemma lemmas proof proofs prove proved proves corollary proposition axiom
    axioms conjecture qed
    equation equations inequality inequalities formula formulas formulae
    integral integrals integrate integration derivative derivatives differentiate differential
    differentiable converge converges convergent convergence divergent continuity
    polynomial polynomials quadratic cubic exponent exponents exponential logarithm logarithms
    logarithmic coefficient coefficients
    matrix matrices vector vectors eigenvalue eigenvalues eigenvector eigenvectors determinant
    tensor subspace orthogonal
    integer integers irrational prime primes divisible divisor divisors remainder modulo congruent
    parity numerator denominator fractions
    multiply multiplied multiplication subtract subtraction quotient
    perpendicular hypotenuse radius diameter circumference polygon vertices perimeter isosceles
    algebra algebraic calculus arithmetic trigonometry trigonometric sine cosine
    probabilities variance permutation permutations combinatorics binomial
    asymptote parabola intercept bijection injective surjective
    mathematics mathematical iff
    """.split()
)
WORD = re.compile(r"[a-z]+")

# An operand, an operator, an operand: "3x + 5", "x = 2", "a^2", "n! / k", "f(x) =".
EQUATION = re.compile(
    r"(?:\b\d+(?:\.\d+)?[a-z]?|\b[a-z]\b|\))\s*(?:[=+*/^<>×÷≤≥≠±]|-(?!-))\s*(?:\d|\b[a-z]\b|\(|\\)"
)
UNICODE_MATH = re.compile(r"[×÷±∓≤≥≠≈≡∝∞∑∏∫∮√∂∇∈∉⊂⊃⊆⊇∪∩∀∃→⇒⇔↦∘⋅∠⊥∥△≅ℕℤℚℝℂπθαβγδελμσφω²³]")

# Lines that look like program code: they end like statements/blocks or start with keywords.
CODE_LINE = re.compile(
    r"(?:[;{}]\s*$)|^\s*(?:def |class |import |from \S+ import|function |var |let |const |return\b|"
    r"public |private |#include|if \(|for \(|while \(|echo |print\(|console\.|<\?php|\$\w+\s*=)"
)

# What only says "a math renderer was here": renderer names and their config/loading lines.
RENDERER_LINE = re.compile(
    r"(?im)^.*(?:mathjax\.|tex2jax|mathjax\s*=|renderMathInElement|katex\.render|loading \[mathjax\]"
    r"|mathjax\.js|katex\.min).*$"
)
RENDERER_WORD = re.compile(r"(?i)\b(?:mathjax|katex|mathml|mathquill|asciimath|jsmath)\b")


@dataclass
class MathSignals:
    words: int
    latex_commands: int
    equations: int
    unicode_symbols: int
    math_words: int
    code_line_frac: float

    @property
    def density(self) -> float:
        """Math signals per 100 words (short pages count as 20 words, so one hit is not 5%)."""
        hits = 2 * self.latex_commands + self.equations + self.unicode_symbols + self.math_words
        return 100.0 * hits / max(self.words, 20)

    def as_dict(self) -> dict:
        return {**asdict(self), "density": round(self.density, 3)}


def math_signals(text: str) -> MathSignals:
    lower = text.lower()
    words = WORD.findall(lower)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    code_lines = sum(1 for ln in lines if CODE_LINE.search(ln))
    code_frac = code_lines / len(lines) if lines else 0.0
    latex = sum(1 for m in LATEX_COMMAND.finditer(text) if m.group(1) in MATH_COMMANDS)
    equations = 0 if code_frac > 0.2 else len(EQUATION.findall(lower))
    return MathSignals(
        words=len(words),
        latex_commands=latex,
        equations=equations,
        unicode_symbols=len(UNICODE_MATH.findall(text)),
        math_words=sum(1 for w in words if w in MATH_WORDS),
        code_line_frac=round(code_frac, 3),
    )


def strip_markup(text: str) -> str:
    """Training text without renderer names and renderer config lines."""
    if "math" not in text.lower() and "katex" not in text.lower() and "tex2jax" not in text:
        return text
    text = RENDERER_LINE.sub(" ", text)
    return RENDERER_WORD.sub(" ", text)
