"""Mathematics of the sample's math pages: topics with prose and formulas, exercise generators
with worked solutions, and word problems in plain text.

Math inside a text is marked, not rendered: `m(tex)` (inline) and `d(tex)` (display) wrap TeX
in control characters, and curation/sample.py renders the marks the way a site family does
(MathJax, KaTeX, Wikipedia MathML, TeX images, raw `$`), or as plain text with `tex_to_plain`.
Every number in an exercise is drawn from the caller's seeded `random.Random`.
"""
from __future__ import annotations

import math
import random
import re
from fractions import Fraction

from curation.sample_words import fill

INLINE, DISPLAY = "\x01", "\x02"
MATH_MARK = re.compile("\x01([^\x01]*)\x01|\x02([^\x02]*)\x02")


def m(tex: str) -> str:
    """Inline math. `@` stands for a backslash, so TeX fits in f-string expressions (3.11)."""
    return f"{INLINE}{tex.replace('@', chr(92))}{INLINE}"


def d(tex: str) -> str:
    return f"{DISPLAY}{tex.replace('@', chr(92))}{DISPLAY}"


_UNICODE = {r"\cdot": "·", r"\times": "×", r"\le": "≤", r"\leq": "≤", r"\ge": "≥", r"\geq": "≥", r"\ne": "≠",
            r"\neq": "≠", r"\pm": "±", r"\pi": "π", r"\infty": "∞", r"\theta": "θ", r"\alpha": "α", r"\beta": "β",
            r"\lambda": "λ", r"\sum": "Σ", r"\int": "∫", r"\to": "→", r"\in": "∈", r"\equiv": "≡", r"\approx": "≈",
            r"\Delta": "Δ", r"\sigma": "σ", r"\mu": "μ", r"\circ": "∘", r"\implies": "⇒", r"\mid": "|"}


def tex_to_plain(tex: str, ascii_only: bool = False) -> str:
    """TeX as people type math in plain text: `\\frac{a}{b}` -> (a)/(b), `\\sqrt{x}` -> sqrt(x)."""
    s = tex.replace(r"\left", "").replace(r"\right", "").replace(r"\,", " ").replace(r"\!", "").replace(r"\;", " ")
    s = re.sub(r"\\(?:mathbb|mathbf|mathrm|operatorname|text|boxed)\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"\\pmod\{([^{}]*)\}", r"(mod \1)", s).replace("^\\prime", "'").replace("^\\circ", "°")
    s = re.sub(r"([_^])\{(\w+)\}", r"\1\2", s)
    s = re.sub(r"([_^])\{([^{}]*)\}", r"\1(\2)", s)
    for _ in range(4):
        s = re.sub(r"\\d?frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", s)
        s = re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)" if ascii_only else r"√(\1)", s)
        s = re.sub(r"\\binom\{([^{}]*)\}\{([^{}]*)\}", r"C(\1, \2)", s)
    s = re.sub(r"\((\w+)\)/\((\w+)\)", r"\1/\2", s)
    if ascii_only:
        s = s.replace(r"\cdot", "*").replace(r"\times", "*").replace(r"\le", "<=").replace(r"\ge", ">=")
    for k in sorted(_UNICODE, key=len, reverse=True):
        s = re.sub(re.escape(k) + r"(?![A-Za-z])", _UNICODE[k], s)
    s = re.sub(r"\\([A-Za-z]+)", r"\1", s)
    s = s.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", s).strip()


# --- topics: (name, prose, formulas) --------------------------------------------------------
TOPICS = [
    ("quadratic equations",
     ["A quadratic equation has the general form shown below, where the leading coefficient is not zero.",
      "The discriminant decides how many real roots the equation has.",
      "Completing the square gives the same formula and shows where it comes from.",
      "If the discriminant is negative, the two roots are complex conjugates.",
      "Vieta's formulas express the sum and the product of the roots through the coefficients.",
      "The graph of a quadratic function is a parabola whose vertex lies on the axis of symmetry."],
     [r"ax^2 + bx + c = 0", r"x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}", r"\Delta = b^2 - 4ac",
      r"x_1 + x_2 = -\frac{b}{a}", r"x_1 x_2 = \frac{c}{a}", r"a\left(x + \frac{b}{2a}\right)^2 = \frac{b^2 - 4ac}{4a}"]),
    ("derivatives",
     ["The derivative measures how fast a function changes at a point.",
      "We apply the chain rule whenever one function is nested inside another.",
      "For polynomials the power rule is all we need.",
      "Setting the derivative to zero locates the critical points of the function.",
      "A differentiable function is continuous, but the converse fails, as the absolute value shows.",
      "The second derivative tells us whether a critical point is a local minimum or a local maximum."],
     [r"f'(x) = \lim_{h \to 0} \frac{f(x+h) - f(x)}{h}", r"\frac{d}{dx} x^n = n x^{n-1}",
      r"(f \circ g)'(x) = f'(g(x))\, g'(x)", r"\frac{d}{dx} \sin x = \cos x", r"\frac{d}{dx} e^{x} = e^{x}",
      r"(fg)' = f'g + fg'"]),
    ("integrals",
     ["The fundamental theorem of calculus links the integral to the antiderivative.",
      "Integration by parts follows from the product rule for derivatives.",
      "A substitution often turns a hard integral into a standard one.",
      "The area under the curve between the two limits equals the definite integral.",
      "Riemann sums approximate the integral by rectangles whose width tends to zero.",
      "An improper integral converges when the limit of the partial integrals exists."],
     [r"\int_a^b f(x)\,dx = F(b) - F(a)", r"\int u\,dv = uv - \int v\,du", r"\int_0^1 x^2\,dx = \frac{1}{3}",
      r"\int e^{x}\,dx = e^{x} + C", r"\int_0^{\pi} \sin x\,dx = 2", r"\int_1^{\infty} \frac{dx}{x^2} = 1"]),
    ("probability",
     ["The probability of an event is a number between zero and one.",
      "For independent events the joint probability is the product of the probabilities.",
      "Bayes' theorem lets us reverse a conditional probability.",
      "The expected value is the long run average of a random variable.",
      "Linearity of expectation holds even when the random variables are dependent.",
      "The variance measures how far a random variable spreads around its mean."],
     [r"P(A \cap B) = P(A)\,P(B)", r"P(A \mid B) = \frac{P(B \mid A)\,P(A)}{P(B)}",
      r"\mathbb{E}[X] = \sum_{i} x_i\, p_i", r"\operatorname{Var}(X) = \mathbb{E}[X^2] - \mathbb{E}[X]^2",
      r"\binom{n}{k} p^k (1-p)^{n-k}", r"P(A \cup B) = P(A) + P(B) - P(A \cap B)"]),
    ("number theory",
     ["A prime number has exactly two positive divisors.",
      "Euclid's algorithm computes the greatest common divisor quickly.",
      "Fermat's little theorem is the basis of many primality tests.",
      "Two integers are coprime when their greatest common divisor is one.",
      "Every integer greater than one factors into primes in exactly one way, up to order.",
      "The Chinese remainder theorem solves a system of congruences with coprime moduli."],
     [r"a^{p-1} \equiv 1 \pmod{p}", r"\gcd(a, b) = \gcd(b, a \bmod b)", r"\varphi(n) = n \prod_{p \mid n} \left(1 - \frac{1}{p}\right)",
      r"\sum_{d \mid n} \varphi(d) = n", r"n = p_1^{e_1} p_2^{e_2} \cdots p_k^{e_k}", r"\tau(n) = (e_1 + 1)(e_2 + 1)\cdots(e_k + 1)"]),
    ("geometry",
     ["The Pythagorean theorem relates the sides of a right triangle.",
      "The area of a circle grows with the square of its radius.",
      "Similar triangles have proportional sides and equal angles.",
      "The law of cosines generalises the Pythagorean theorem to any triangle.",
      "The angles of a triangle add up to a straight angle.",
      "An inscribed angle is half of the central angle that subtends the same arc."],
     [r"a^2 + b^2 = c^2", r"A = \pi r^2", r"c^2 = a^2 + b^2 - 2ab\cos\gamma", r"V = \frac{4}{3}\pi r^3",
      r"\sin^2\theta + \cos^2\theta = 1", r"A = \frac{1}{2} a b \sin\gamma"]),
    ("linear algebra",
     ["A matrix is invertible exactly when its determinant is not zero.",
      "Eigenvectors keep their direction under the linear map.",
      "The rank of a matrix is the dimension of its column space.",
      "Solving the characteristic equation gives the eigenvalues.",
      "A symmetric real matrix can be diagonalised by an orthogonal change of basis.",
      "The dimension of the kernel plus the rank equals the number of columns."],
     [r"\det(A - \lambda I) = 0", r"A\mathbf{v} = \lambda \mathbf{v}",
      r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}^{-1} = \frac{1}{ad - bc}\begin{pmatrix} d & -b \\ -c & a \end{pmatrix}",
      r"\operatorname{rank}(A) + \dim\ker(A) = n", r"(AB)^T = B^T A^T", r"\det(AB) = \det(A)\det(B)"]),
    ("sequences and series",
     ["A geometric series converges when the ratio is smaller than one in absolute value.",
      "The harmonic series diverges even though its terms tend to zero.",
      "Telescoping sums collapse to their first and last terms.",
      "Induction proves the closed form for every natural number.",
      "The ratio test compares consecutive terms of the series.",
      "A bounded monotone sequence always has a limit."],
     [r"\sum_{k=0}^{\infty} r^k = \frac{1}{1-r}", r"\sum_{k=1}^{n} k = \frac{n(n+1)}{2}",
      r"\sum_{k=1}^{\infty} \frac{1}{k^2} = \frac{\pi^2}{6}", r"a_n = a_1 + (n-1)d", r"\lim_{n \to \infty} \left(1 + \frac{1}{n}\right)^n = e",
      r"\sum_{k=1}^{n} k^2 = \frac{n(n+1)(2n+1)}{6}"]),
    ("trigonometry",
     ["The unit circle defines sine and cosine for every angle, not only acute ones.",
      "Angle addition formulas follow from rotating a point on the unit circle.",
      "Radians measure an angle by the length of the arc it cuts on the unit circle.",
      "The tangent is undefined where the cosine vanishes."],
     [r"\sin(\alpha + \beta) = \sin\alpha\cos\beta + \cos\alpha\sin\beta", r"\cos 2\theta = 1 - 2\sin^2\theta",
      r"\tan\theta = \frac{\sin\theta}{\cos\theta}", r"\frac{a}{\sin\alpha} = \frac{b}{\sin\beta} = \frac{c}{\sin\gamma}",
      r"e^{i\theta} = \cos\theta + i\sin\theta"]),
    ("combinatorics",
     ["The number of ways to choose a committee does not depend on the order of its members.",
      "The pigeonhole principle says that some box must receive at least two objects.",
      "Inclusion and exclusion corrects a count that counted some objects twice.",
      "Pascal's triangle lists the binomial coefficients row by row."],
     [r"\binom{n}{k} = \frac{n!}{k!\,(n-k)!}", r"\binom{n}{k} = \binom{n-1}{k-1} + \binom{n-1}{k}",
      r"(x + y)^n = \sum_{k=0}^{n} \binom{n}{k} x^k y^{n-k}", r"|A \cup B| = |A| + |B| - |A \cap B|", r"\sum_{k=0}^{n} \binom{n}{k} = 2^n"]),
    ("inequalities",
     ["The arithmetic mean of nonnegative numbers is at least their geometric mean.",
      "Equality in the Cauchy-Schwarz inequality holds only for proportional vectors.",
      "Squares of real numbers are never negative, which proves many inequalities at once.",
      "The triangle inequality bounds the length of a sum by the sum of the lengths."],
     [r"\frac{a + b}{2} \ge \sqrt{ab}", r"\left(\sum a_i b_i\right)^2 \le \sum a_i^2 \sum b_i^2", r"|x + y| \le |x| + |y|",
      r"(a - b)^2 \ge 0", r"a^2 + b^2 \ge 2ab"]),
    ("complex numbers",
     ["Multiplying by the imaginary unit rotates a point of the plane by a right angle.",
      "The modulus of a product is the product of the moduli.",
      "De Moivre's formula gives powers of a complex number in polar form.",
      "Every nonconstant polynomial has a complex root."],
     [r"i^2 = -1", r"|z|^2 = z\bar{z}", r"z = r(\cos\theta + i\sin\theta)", r"(\cos\theta + i\sin\theta)^n = \cos n\theta + i\sin n\theta",
      r"z^n = 1 \iff z = e^{2\pi i k/n}"]),
    ("logarithms and exponentials",
     ["The logarithm undoes exponentiation with the same base.",
      "Exponential growth means a constant ratio between equal time steps.",
      "The change of base formula lets a calculator work with any base.",
      "The natural logarithm is the integral of one over x."],
     [r"\log_b(xy) = \log_b x + \log_b y", r"\log_b x = \frac{\ln x}{\ln b}", r"a^{m+n} = a^m a^n",
      r"\ln x = \int_1^x \frac{dt}{t}", r"N(t) = N_0 e^{kt}"]),
    ("differential equations",
     ["A first order linear equation is solved with an integrating factor.",
      "Separable equations are integrated one variable at a time.",
      "The characteristic polynomial gives the solutions of a linear equation with constant coefficients.",
      "An initial condition picks one curve out of the family of solutions."],
     [r"y' + p(x)y = q(x)", r"\frac{dy}{dx} = ky \implies y = Ce^{kx}", r"y'' + \omega^2 y = 0",
      r"\mu(x) = e^{\int p(x)\,dx}", r"y = C_1 e^{r_1 x} + C_2 e^{r_2 x}"]),
    ("group theory",
     ["A group is a set with an associative operation, an identity and inverses.",
      "Lagrange's theorem says the order of a subgroup divides the order of the group.",
      "Cosets of a normal subgroup form the quotient group.",
      "A homomorphism is injective exactly when its kernel is trivial."],
     [r"|G| = [G : H]\,|H|", r"g^{|G|} = e", r"G / \ker\varphi \cong \operatorname{im}\varphi", r"(ab)^{-1} = b^{-1} a^{-1}"]),
    ("limits and continuity",
     ["A limit describes what happens as the input approaches a point, not what happens at the point.",
      "The squeeze theorem traps a function between two simpler ones.",
      "A function continuous on a closed interval attains its maximum and minimum.",
      "The intermediate value theorem guarantees a root when the sign changes."],
     [r"\lim_{x \to 0} \frac{\sin x}{x} = 1", r"\lim_{x \to \infty} \frac{1}{x} = 0",
      r"|f(x) - L| < \varepsilon \text{ whenever } 0 < |x - a| < \delta", r"\lim_{x \to a} f(x) = f(a)"]),
]

CONNECTIVES = ["Recall that", "In particular,", "It follows that", "Note that", "Therefore", "We can check that",
               "By definition,", "As a result,", "Hence", "Consequently,", "Observe that", "This shows that"]
FILLER = [
    "This is a standard result that students meet early in their studies.",
    "A quick sketch on paper helps to see why the statement should be true.",
    "Before moving on, make sure each step of the derivation is clear to you.",
    "Historically this question was settled in the eighteenth century.",
    "Try a few small numbers first and look for a pattern in the results.",
    "The notation differs between books, so we fix ours once and for all.",
    "In the next section we apply the same idea to a harder problem.",
    "Let us work through an example to see how the formula is used in practice.",
    "The proof is short, and we give it here because the idea appears again later.",
    "Many textbooks state this without proof, but the argument is worth knowing.",
    "We leave the general case as an exercise for the reader.",
    "The same reasoning applies with only small changes to the other cases.",
    "Students often forget this condition, and the result is false without it.",
    "The key idea is to reduce the problem to one we have already solved.",
    "A picture makes the argument almost obvious.",
    "We will use this lemma repeatedly in what follows.",
    "The idea behind the method is to split the problem into smaller pieces that are easier to handle.",
    "The order in which we count the objects does not change the total, and that is the whole point of the argument.",
    "Think of the numbers as points on a line; the statement then says something about the distance between them.",
    "When the two sides of the equation are equal for every value of the variable, we call it an identity.",
    "The answer should not depend on the names we give to the unknowns, only on the relations between them.",
    "If we double every term of the sequence, the sum doubles as well.",
    "In the special case where all the numbers are equal, the inequality becomes an equality.",
    "A common mistake is to divide by a quantity that might be zero.",
    "The result looks surprising at first, but it becomes natural once we draw the graph of the function.",
    "Each of the cases can be checked by hand, and together they cover every possibility.",
    "The same trick works for the sum of the first hundred odd numbers.",
    "The number of solutions grows quickly with the size of the set.",
    "We can read the formula from left to right as a recipe for computing the value.",
    "The smallest counterexample, if there were one, would lead to an even smaller one.",
]

# Course pages carry dates, rooms and deadlines too: none of that makes a page non-math.
COURSE = [
    "These notes accompany lecture {n} of the course; homework {n} is due on {weekday} at noon.",
    "Office hours this week are on {weekday} from {time} in room {big}.",
    "The midterm exam covers chapters 1 to {n} and takes place on {date}.",
    "Thanks to {name} for pointing out a typo in the previous version of these notes.",
    "Reading: sections {n}.1 to {n}.4 of the textbook, and the handout posted on {date}.",
    "Please submit your solutions as a single PDF file; late work loses ten percent per day.",
    "Last updated {date}, {recent}. Corrections are welcome by email.",
    "Prerequisites: a first course in calculus and some familiarity with proofs.",
]

# --- exercises: (topic, question, solution steps), math marked ----------------------------
def _poly(coeffs: list[int], var: str = "x") -> str:
    """TeX of a polynomial from its coefficients, highest degree first."""
    terms, deg = [], len(coeffs) - 1
    for k, c in enumerate(coeffs):
        p = deg - k
        if c == 0:
            continue
        mag = abs(c)
        body = (str(mag) if mag != 1 or p == 0 else "") + (var if p >= 1 else "") + (f"^{p}" if p > 1 else "")
        terms.append(("- " if c < 0 else "+ ") + body)
    s = " ".join(terms) or "0"
    return s[2:] if s.startswith("+ ") else "-" + s[2:]


def _frac(q: Fraction) -> str:
    if q.denominator == 1:
        return str(q.numerator)
    sign = "-" if q < 0 else ""
    return f"{sign}\\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"


def ex_linear(r):
    a, x, b = r.randint(2, 9), r.randint(-9, 12), r.randint(1, 30)
    c = a * x + b
    return ("linear equations", f"Solve {m(f'{a}x + {b} = {c}')}.",
            [f"Subtract {b} from both sides: {m(f'{a}x = {c - b}')}.", f"Divide by {a}: {m(f'x = {x}')}.",
             f"Check: {m(f'{a} @cdot {x} + {b} = {c}')}, so the answer is {m(f'@boxed{{{x}}}')}."])


def ex_quadratic(r):
    p, q = r.choice([-1, 1]) * r.randint(1, 8), r.choice([-1, 1]) * r.randint(1, 8)
    eq = _poly([1, -(p + q), p * q])
    return ("quadratic equations", f"Find all real solutions of {m(eq + ' = 0')}.",
            [f"We look for two numbers whose sum is {p + q} and whose product is {p * q}.",
             f"They are {p} and {q}, so the equation factors as {m(f'(x - {p})(x - {q}) = 0'.replace('- -', '+ '))}.",
             f"Hence {m(f'x = {p}')} or {m(f'x = {q}')}.",
             f"As a check, the discriminant is {m(f'@Delta = {(p + q) ** 2} - {4 * p * q} = {(p - q) ** 2}')}, a perfect square."])


def ex_system(r):
    x, y = r.randint(-6, 9), r.randint(-6, 9)
    a, b, c, e = r.randint(1, 5), r.randint(1, 5), r.randint(1, 5), r.randint(1, 5)
    if a * e == b * c:
        e += 1
    return ("systems of equations",
            f"Solve the system {m(f'{a}x + {b}y = {a * x + b * y}')} and {m(f'{c}x + {e}y = {c * x + e * y}')}.",
            [f"Multiply the first equation by {c} and the second by {a}, then subtract to eliminate {m('x')}.",
             f"This gives {m(f'{b * c - a * e}y = {(b * c - a * e) * y}')}, so {m(f'y = {y}')}.",
             f"Substituting back, {m(f'{a}x = {a * x + b * y} - {b * y}')}, hence {m(f'x = {x}')}.",
             f"The solution is {m(f'(x, y) = ({x}, {y})')}."])


def ex_arith_series(r):
    a, dd, n = r.randint(1, 20), r.randint(2, 9), r.randint(8, 40)
    last = a + (n - 1) * dd
    return ("sequences and series", f"Find the sum of the first {n} terms of the arithmetic sequence {m(f'{a}, {a + dd}, {a + 2 * dd}, @ldots')}.",
            [f"The common difference is {m(f'd = {dd}')}, so the last term is {m(f'a_{{{n}}} = {a} + {n - 1} @cdot {dd} = {last}')}.",
             f"The sum is {m(f'S_{{{n}}} = @frac{{{n}({a} + {last})}}{{2}} = {n * (a + last) // 2}')}."])


def ex_geometric(r):
    a, q = r.randint(1, 9), r.choice([2, 3, 4, 5])
    return ("sequences and series", f"Evaluate {m(f'@sum_{{k=0}}^{{@infty}} @frac{{{a}}}{{{q}^k}}')}.",
            [f"This is a geometric series with first term {a} and ratio {m(f'@frac{{1}}{{{q}}}')}, which is less than 1.",
             f"So the sum is {m(f'@frac{{{a}}}{{1 - @frac{{1}}{{{q}}}}} = {_frac(Fraction(a * q, q - 1))}')}."])


def ex_derivative(r):
    c = [r.randint(-5, 6) or 1 for _ in range(r.randint(3, 4))]
    x0 = r.randint(-3, 3)
    dc = [ci * (len(c) - 1 - k) for k, ci in enumerate(c[:-1])]
    val = sum(ci * x0 ** (len(dc) - 1 - k) for k, ci in enumerate(dc))
    return ("derivatives", f"Let {m(f'f(x) = {_poly(c)}')}. Compute {m(f'f^@prime({x0})')}.",
            [f"By the power rule, {m(f'f^@prime(x) = {_poly(dc)}')}.",
             f"Substituting {m(f'x = {x0}')} gives {m(f'f^@prime({x0}) = {val}')}."])


def ex_integral(r):
    a, b, k = r.randint(0, 2), r.randint(3, 5), r.randint(2, 4)
    val = Fraction(b ** (k + 1) - a ** (k + 1), k + 1)
    return ("integrals", f"Evaluate {m(f'@int_{{{a}}}^{{{b}}} x^{{{k}}}@,dx')}.",
            [f"An antiderivative of {m(f'x^{{{k}}}')} is {m(f'@frac{{x^{{{k + 1}}}}}{{{k + 1}}}')}.",
             f"By the fundamental theorem of calculus the integral equals {m(f'@frac{{{b}^{{{k + 1}}} - {a}^{{{k + 1}}}}}{{{k + 1}}} = {_frac(val)}')}."])


def ex_gcd(r):
    g = r.randint(2, 15)
    a, b = g * r.randint(3, 20), g * r.randint(21, 40)
    steps, x, y = [], max(a, b), min(a, b)
    while y:
        steps.append(f"{x} = {x // y} @cdot {y} + {x % y}")
        x, y = y, x % y
    return ("number theory", f"Find {m(f'@gcd({a}, {b})')} and {m(f'@operatorname{{lcm}}({a}, {b})')}.",
            ["Use the Euclidean algorithm: " + ", ".join(m(s) for s in steps[:4]) + ".",
             f"The last nonzero remainder is {x}, so {m(f'@gcd({a}, {b}) = {x}')}.",
             f"Then {m(f'@operatorname{{lcm}}({a}, {b}) = @frac{{{a} @cdot {b}}}{{{x}}} = {a * b // x}')}."])


def ex_modular(r):
    a, n, mod = r.randint(2, 9), r.randint(20, 200), r.choice([5, 7, 9, 10, 11, 13])
    return ("modular arithmetic", f"What is the remainder when {m(f'{a}^{{{n}}}')} is divided by {mod}?",
            [f"Compute small powers of {a} modulo {mod}: " + ", ".join(m(f"{a}^{k} @equiv {pow(a, k, mod)} @pmod{{{mod}}}") for k in range(1, 4)) + ".",
             "The powers repeat with a fixed period, so we reduce the exponent modulo that period.",
             f"Therefore {m(f'{a}^{{{n}}} @equiv {pow(a, n, mod)} @pmod{{{mod}}}')}, and the remainder is {m(str(pow(a, n, mod)))}."])


def ex_choose(r):
    n, k = r.randint(6, 15), r.randint(2, 5)
    return ("combinatorics", f"In how many ways can a committee of {k} be chosen from {n} people?",
            ["The order of the members does not matter, so we count combinations.",
             f"{m(f'@binom{{{n}}}{{{k}}} = @frac{{{n}!}}{{{k}!@,{n - k}!}} = {math.comb(n, k)}')}."])


def ex_dice(r):
    s = r.randint(3, 11)
    ways = sum(1 for i in range(1, 7) for j in range(1, 7) if i + j == s)
    return ("probability", f"Two fair dice are rolled. What is the probability that the sum is {s}?",
            [f"There are {m('6 @cdot 6 = 36')} equally likely outcomes.",
             f"Exactly {ways} of them have sum {s}, so the probability is {m(f'@frac{{{ways}}}{{36}}')}."])


def ex_pythagoras(r):
    k, (a, b, c) = r.randint(1, 4), r.choice([(3, 4, 5), (5, 12, 13), (8, 15, 17), (7, 24, 25)])
    a, b, c = a * k, b * k, c * k
    return ("geometry", f"A right triangle has legs {a} and {b}. Find the hypotenuse and the area.",
            [f"By the Pythagorean theorem, {m(f'c^2 = {a}^2 + {b}^2 = {a * a + b * b}')}, so {m(f'c = {c}')}.",
             f"The area is {m(f'@frac{{1}}{{2}} @cdot {a} @cdot {b} = {_frac(Fraction(a * b, 2))}')}."])


def ex_circle(r):
    rad = r.randint(2, 15)
    return ("geometry", f"A circle has radius {rad}. Find its area and circumference in terms of {m('@pi')}.",
            [f"The area is {m(f'A = @pi r^2 = {rad * rad}@pi')}.", f"The circumference is {m(f'C = 2@pi r = {2 * rad}@pi')}."])


def ex_log(r):
    b, k = r.choice([2, 3, 5, 10]), r.randint(2, 5)
    return ("logarithms and exponentials", f"Solve {m(f'@log_{{{b}}}(x - 1) = {k}')}.",
            [f"Rewrite in exponential form: {m(f'x - 1 = {b}^{{{k}}} = {b ** k}')}.", f"So {m(f'x = {b ** k + 1}')}."])


def ex_abs_ineq(r):
    a, b = r.randint(-5, 9), r.randint(1, 8)
    return ("inequalities", f"Solve the inequality {m(f'|x - {a}| < {b}')}.".replace("- -", "+ "),
            [f"The inequality means {m(f'-{b} < x - {a} < {b}'.replace('- -', '+ '))}.",
             f"Adding {a} throughout gives {m(f'{a - b} < x < {a + b}')}, the open interval {m(f'({a - b}, {a + b})')}."])


def ex_compose(r):
    a, b, c = r.randint(2, 5), r.randint(-4, 6), r.randint(1, 4)
    x0 = r.randint(-2, 4)
    g = c * x0 * x0 + 1
    return ("functions", f"Let {m(f'f(x) = {_poly([a, b])}')} and {m(f'g(x) = {_poly([c, 0, 1])}')}. Find {m(f'f(g({x0}))')}.",
            [f"First {m(f'g({x0}) = {c} @cdot {x0 * x0} + 1 = {g}')}.", f"Then {m(f'f({g}) = {a} @cdot {g} + {b} = {a * g + b}')}.".replace("+ -", "- ")])


def ex_det(r):
    a, b, c, e = (r.randint(-5, 9) for _ in range(4))
    return ("linear algebra", f"Compute the determinant of {m(f'@begin{{pmatrix}} {a} & {b} @@ {c} & {e} @end{{pmatrix}}')}. Is the matrix invertible?",
            [f"{m(f'@det A = ({a})({e}) - ({b})({c}) = {a * e - b * c}')}.",
             "Since the determinant is not zero, the matrix is invertible." if a * e != b * c else "The determinant is zero, so the matrix is singular."])


def ex_dot(r):
    u, v = [r.randint(-4, 5) for _ in range(3)], [r.randint(-4, 5) for _ in range(3)]
    dot = sum(p * q for p, q in zip(u, v))
    return ("vectors", f"Let {m(f'u = ({u[0]}, {u[1]}, {u[2]})')} and {m(f'v = ({v[0]}, {v[1]}, {v[2]})')}. Compute {m('u @cdot v')}.",
            [f"{m(f'u @cdot v = ({u[0]})({v[0]}) + ({u[1]})({v[1]}) + ({u[2]})({v[2]}) = {dot}')}.",
             "The vectors are orthogonal." if dot == 0 else f"Since the dot product is {'positive' if dot > 0 else 'negative'}, the angle between them is {'acute' if dot > 0 else 'obtuse'}."])


def ex_limit(r):
    a, b = r.randint(1, 6), r.randint(1, 6)
    return ("limits and continuity", f"Evaluate {m(f'@lim_{{x @to {a}}} @frac{{x^2 - {a * a}}}{{x - {a}}}')}.",
            [f"Factor the numerator: {m(f'x^2 - {a * a} = (x - {a})(x + {a})')}.",
             f"For {m(f'x @neq {a}')} the fraction equals {m(f'x + {a}')}, so the limit is {m(f'{2 * a}')}.",
             f"Similarly {m(f'@lim_{{x @to @infty}} @frac{{{b}x + 1}}{{x}} = {b}')}."])


def ex_complex(r):
    a, b, c, e = (r.randint(-5, 6) for _ in range(4))
    return ("complex numbers", f"Write {m(f'({a} + {b}i)({c} + {e}i)')} in the form {m('x + yi')}.".replace("+ -", "- "),
            [f"Expand and use {m('i^2 = -1')}: {m(f'{a * c} + {a * e + b * c}i + {b * e}i^2'.replace('+ -', '- '))}.",
             f"The result is {m(f'{a * c - b * e} + {a * e + b * c}i'.replace('+ -', '- '))}."])


def ex_slope(r):
    x1, y1, x2, y2 = r.randint(-5, 5), r.randint(-5, 5), r.randint(6, 10), r.randint(-5, 9)
    s = Fraction(y2 - y1, x2 - x1)
    return ("analytic geometry", f"Find the slope of the line through {m(f'({x1}, {y1})')} and {m(f'({x2}, {y2})')}.",
            [f"{m(f'm = @frac{{{y2} - ({y1})}}{{{x2} - ({x1})}} = {_frac(s)}')}.",
             f"An equation of the line is {m(f'y - ({y1}) = {_frac(s)}(x - ({x1}))')}."])


def ex_divisors(r):
    p, q = r.sample([2, 3, 5, 7], 2)
    e, f = r.randint(1, 4), r.randint(1, 3)
    n = p ** e * q ** f
    return ("number theory", f"How many positive divisors does {n} have?",
            [f"The prime factorization is {m(f'{n} = {p}^{{{e}}} @cdot {q}^{{{f}}}')}.",
             f"A divisor has the form {m(f'{p}^i {q}^j')} with {m(f'0 @le i @le {e}')} and {m(f'0 @le j @le {f}')}, so there are {m(f'({e} + 1)({f} + 1) = {(e + 1) * (f + 1)}')} divisors."])


def ex_percent(r):
    p, x = r.choice([10, 15, 20, 25, 30, 40]), r.randint(4, 40) * 10
    return ("percentages", f"A price of {x} is reduced by {p} percent, and the new price is then increased by {p} percent. What is the final price?",
            [f"After the reduction the price is {m(f'{x} @cdot {1 - p / 100:g} = {x * (100 - p) / 100:g}')}.",
             f"After the increase it is {m(f'{x * (100 - p) / 100:g} @cdot {1 + p / 100:g} = {x * (100 - p) * (100 + p) / 10000:g}')}, which is less than {x}."])


EXERCISES = [ex_linear, ex_quadratic, ex_system, ex_arith_series, ex_geometric, ex_derivative, ex_integral, ex_gcd,
             ex_modular, ex_choose, ex_dice, ex_pythagoras, ex_circle, ex_log, ex_abs_ineq, ex_compose, ex_det, ex_dot,
             ex_limit, ex_complex, ex_slope, ex_divisors, ex_percent]


def exercise(rng: random.Random) -> tuple[str, str, list[str]]:
    return rng.choice(EXERCISES)(rng)


# --- proofs and olympiad-style arguments ------------------------------------------------------
def proof(r: random.Random) -> tuple[str, list[str]]:
    k = r.randrange(5)
    n = r.randint(2, 9)
    if k == 0:
        return (f"Prove that {m(f'{n}^{{k}} - 1')} is divisible by {n - 1} for every positive integer {m('k')}.",
                ["We argue by induction on " + m("k") + f". For {m('k = 1')} the number is {m(f'{n - 1}')}, which is divisible by {n - 1}.",
                 f"Suppose {m(f'{n - 1} @mid {n}^k - 1')}. Then {m(f'{n}^{{k+1}} - 1 = {n}({n}^k - 1) + {n - 1}')}.",
                 f"Both terms on the right are divisible by {n - 1}, which completes the induction."])
    if k == 1:
        return ("Prove that there are infinitely many primes.",
                ["Suppose there are only finitely many primes " + m("p_1, p_2, @ldots, p_n") + ".",
                 "Consider " + m("N = p_1 p_2 @cdots p_n + 1") + ". No " + m("p_i") + " divides " + m("N") + ", since it leaves remainder 1.",
                 "So any prime factor of " + m("N") + " is a prime not on our list, a contradiction."])
    if k == 2:
        return (f"Let {m('a, b, c')} be positive reals with {m(f'a + b + c = {n}')}. Prove that {m(f'abc @le @frac{{{n ** 3}}}{{27}}')}.",
                ["By the AM-GM inequality, " + m("@frac{a + b + c}{3} @ge @sqrt[3]{abc}") + ".",
                 f"Hence {m(f'@sqrt[3]{{abc}} @le @frac{{{n}}}{{3}}')} and cubing gives the claim.", "Equality holds exactly when " + m("a = b = c") + "."])
    if k == 3:
        return (f"Show that among any {n + 1} integers, two have a difference divisible by {n}.",
                [f"There are only {n} possible remainders modulo {n}.",
                 f"By the pigeonhole principle two of the {n + 1} integers {m('a')} and {m('b')} share a remainder.",
                 f"Then {m(f'a @equiv b @pmod{{{n}}}')}, that is, {m(f'{n} @mid a - b')}."])
    return ("Prove that " + m("@sqrt{2}") + " is irrational.",
            ["Assume " + m("@sqrt{2} = @frac{p}{q}") + " in lowest terms. Then " + m("p^2 = 2q^2") + ", so " + m("p") + " is even.",
             "Write " + m("p = 2s") + "; then " + m("q^2 = 2s^2") + " and " + m("q") + " is even too.",
             "This contradicts the assumption that the fraction was in lowest terms."])


def topic_paragraphs(rng: random.Random, n: int) -> tuple[str, list[str]]:
    """(topic, n paragraphs): prose of one topic with inline and display formulas, math marked."""
    topic, sentences, formulas = rng.choice(TOPICS)
    pool = rng.sample(sentences + FILLER, k=min(2 * n, len(sentences) + len(FILLER)))
    order = rng.sample(formulas, len(formulas))
    paras = []
    for k in range(n):
        f_inline, f_disp = order[(2 * k) % len(order)], order[(2 * k + 1) % len(order)]
        paras.append(f"{' '.join(pool[2 * k:2 * k + 2])} {rng.choice(CONNECTIVES)} {m(f_inline)} holds here.")
        paras.append(d(f_disp))
    return topic, paras
