"""The bundled sample: a WARC file generated at run time, deterministic for a seed.

It imitates what a Common Crawl segment holds for this recipe: math pages marked up the way real
sites do it (MathJax script tags and raw `$`/`\\(` delimiters, KaTeX with its MathML annotation,
Wikipedia MathML with TeX annotations and fallback images, TeX images from equation services),
plain-text math, forum Q&A, non-math news, shop and spam pages, hard negatives (MathJax loaded on
a page with no math, code full of `{` and `$`), near-duplicates, non-English pages, a non-HTML
response, a 404, a legacy-charset page and a truncated last record.
"""
from __future__ import annotations

import gzip
import html
import os
import random
import uuid
from dataclasses import dataclass

# --- mathematics: (topic, prose sentences, formulas as TeX) ---------------------------------
TOPICS = [
    ("quadratic equations",
     ["A quadratic equation has the general form shown below, where the leading coefficient is not zero.",
      "The discriminant decides how many real roots the equation has.",
      "Completing the square gives the same formula and shows where it comes from.",
      "If the discriminant is negative, the two roots are complex conjugates."],
     [r"ax^2 + bx + c = 0", r"x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}", r"\Delta = b^2 - 4ac",
      r"x_1 + x_2 = -\frac{b}{a}", r"x_1 x_2 = \frac{c}{a}"]),
    ("derivatives",
     ["The derivative measures how fast a function changes at a point.",
      "We apply the chain rule whenever one function is nested inside another.",
      "For polynomials the power rule is all we need.",
      "Setting the derivative to zero locates the critical points of the function."],
     [r"f'(x) = \lim_{h \to 0} \frac{f(x+h) - f(x)}{h}", r"\frac{d}{dx} x^n = n x^{n-1}",
      r"(f \circ g)'(x) = f'(g(x))\, g'(x)", r"\frac{d}{dx} \sin x = \cos x", r"\frac{d}{dx} e^{x} = e^{x}"]),
    ("integrals",
     ["The fundamental theorem of calculus links the integral to the antiderivative.",
      "Integration by parts follows from the product rule for derivatives.",
      "A substitution often turns a hard integral into a standard one.",
      "The area under the curve between the two limits equals the definite integral."],
     [r"\int_a^b f(x)\,dx = F(b) - F(a)", r"\int u\,dv = uv - \int v\,du", r"\int_0^1 x^2\,dx = \frac{1}{3}",
      r"\int e^{x}\,dx = e^{x} + C", r"\int_0^{\pi} \sin x\,dx = 2"]),
    ("probability",
     ["The probability of an event is a number between zero and one.",
      "For independent events the joint probability is the product of the probabilities.",
      "Bayes' theorem lets us reverse a conditional probability.",
      "The expected value is the long run average of a random variable."],
     [r"P(A \cap B) = P(A)\,P(B)", r"P(A \mid B) = \frac{P(B \mid A)\,P(A)}{P(B)}",
      r"\mathbb{E}[X] = \sum_{i} x_i\, p_i", r"\operatorname{Var}(X) = \mathbb{E}[X^2] - \mathbb{E}[X]^2",
      r"\binom{n}{k} p^k (1-p)^{n-k}"]),
    ("number theory",
     ["A prime number has exactly two positive divisors.",
      "Euclid's algorithm computes the greatest common divisor quickly.",
      "Fermat's little theorem is the basis of many primality tests.",
      "Two integers are coprime when their greatest common divisor is one."],
     [r"a^{p-1} \equiv 1 \pmod{p}", r"\gcd(a, b) = \gcd(b, a \bmod b)", r"\varphi(n) = n \prod_{p \mid n} \left(1 - \frac{1}{p}\right)",
      r"\sum_{d \mid n} \varphi(d) = n", r"n = p_1^{e_1} p_2^{e_2} \cdots p_k^{e_k}"]),
    ("geometry",
     ["The Pythagorean theorem relates the sides of a right triangle.",
      "The area of a circle grows with the square of its radius.",
      "Similar triangles have proportional sides and equal angles.",
      "The law of cosines generalises the Pythagorean theorem to any triangle."],
     [r"a^2 + b^2 = c^2", r"A = \pi r^2", r"c^2 = a^2 + b^2 - 2ab\cos\gamma", r"V = \frac{4}{3}\pi r^3",
      r"\sin^2\theta + \cos^2\theta = 1"]),
    ("linear algebra",
     ["A matrix is invertible exactly when its determinant is not zero.",
      "Eigenvectors keep their direction under the linear map.",
      "The rank of a matrix is the dimension of its column space.",
      "Solving the characteristic equation gives the eigenvalues."],
     [r"\det(A - \lambda I) = 0", r"A\mathbf{v} = \lambda \mathbf{v}",
      r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}^{-1} = \frac{1}{ad - bc}\begin{pmatrix} d & -b \\ -c & a \end{pmatrix}",
      r"\operatorname{rank}(A) + \dim\ker(A) = n", r"(AB)^T = B^T A^T"]),
    ("sequences and series",
     ["A geometric series converges when the ratio is smaller than one in absolute value.",
      "The harmonic series diverges even though its terms tend to zero.",
      "Telescoping sums collapse to their first and last terms.",
      "Induction proves the closed form for every natural number."],
     [r"\sum_{k=0}^{\infty} r^k = \frac{1}{1-r}", r"\sum_{k=1}^{n} k = \frac{n(n+1)}{2}",
      r"\sum_{k=1}^{\infty} \frac{1}{k^2} = \frac{\pi^2}{6}", r"a_n = a_1 + (n-1)d", r"\lim_{n \to \infty} \left(1 + \frac{1}{n}\right)^n = e"]),
]

CONNECTIVES = ["Recall that", "In particular,", "It follows that", "Note that", "Therefore", "We can check that", "By definition,", "As a result,"]
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
]

NEWS = [
    "The city council met on Tuesday evening to discuss the new budget for public parks and libraries.",
    "Residents raised concerns about traffic on the main road near the school during the morning hours.",
    "The mayor said the plan would be reviewed again next month after a public consultation.",
    "Local businesses welcomed the decision, saying it would bring more visitors to the town centre.",
    "The weather service expects heavy rain over the weekend, with strong winds along the coast.",
    "Our team won the match after a late goal in the second half, and the fans celebrated in the streets.",
    "The museum will open a new exhibition about the history of the harbour and its fishing families.",
    "Police asked drivers to avoid the bridge while repairs are carried out during the night.",
    "The festival returns this summer with music, food stalls and activities for children of all ages.",
    "A spokesperson for the hospital said that waiting times had improved over the last year.",
]
SHOP = [
    "Free delivery on all orders over fifty dollars, and easy returns within thirty days of purchase.",
    "This cotton shirt is soft, breathable and perfect for warm summer days at the beach or in the city.",
    "Available in five colours and all sizes from small to extra large, while stocks last.",
    "Customers who bought this item also bought our classic leather belt and canvas shoes.",
    "Add to cart now and save twenty percent with the discount code shown at checkout.",
    "Our customer service team is happy to help you with any question about your order.",
]
SPAM = "Best cheap pills online buy now cheap pills best price buy now online pills cheap"
CODE = [
    "function total(items) { let sum = 0; for (const item of items) { sum += item.price; } return sum; }",
    "const price = `$${amount.toFixed(2)}`; document.getElementById('price').textContent = price;",
    "if (user && user.isAdmin) { showPanel({ mode: 'admin', theme: $theme }); }",
    "In this tutorial we build a small shopping cart in JavaScript and store it in local storage.",
    "The template uses ${variable} placeholders that the build step fills in before deployment.",
    "Run npm install, then start the development server and open the page in your browser.",
]
GERMAN = [
    "Eine quadratische Gleichung hat im Allgemeinen zwei Lösungen, die man mit der Mitternachtsformel findet.",
    "Die Diskriminante entscheidet darüber, ob die Lösungen reell oder komplex sind.",
    "Wir rechnen ein Beispiel Schritt für Schritt durch, damit das Verfahren klar wird.",
    "Am Ende prüfen wir das Ergebnis, indem wir die Lösungen in die Gleichung einsetzen.",
]
FRENCH = [
    "La ville a présenté mardi son nouveau plan pour les transports en commun et les pistes cyclables.",
    "Les habitants pourront donner leur avis lors d'une réunion publique organisée le mois prochain.",
    "Le maire a rappelé que les travaux commenceront au printemps et dureront environ deux ans.",
    "Les commerçants du centre espèrent que les nouveaux aménagements attireront davantage de visiteurs.",
]

ANSWER_OPENERS = ["Start from the identity", "Another way to see it is to use", "You can also begin with"]
ANSWER_CLOSERS = ["and the claim follows after one more step.", "Rearranging gives exactly what you want.",
                  "Substituting your values finishes the proof."]
MATHJAX_LOADER = '<script src="https://cdn.jsdelivr.net/npm/mathjax@2/MathJax.js?config=TeX-AMS_HTML"></script>'
NAV = "<nav><a href='/'>Home</a> | <a href='/about'>About</a> | <a href='/contact'>Contact</a> | <a href='/archive'>Archive</a></nav>"
FOOTER = "<footer><p>Copyright 2024. All rights reserved. Privacy policy. Terms of use. Follow us on social media.</p></footer>"


@dataclass
class Page:
    url: str
    html: str
    kind: str
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    body: bytes | None = None  # raw bytes when not UTF-8 HTML


def _doc(title: str, body: str, head: str = "", lang: str = "en") -> str:
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{html.escape(title)}</title>{head}</head>"
            f"<body>{NAV}<main><article><h1>{html.escape(title)}</h1>{body}</article></main>"
            f"<aside><h3>Popular posts</h3><ul><li>Ten tips</li><li>Archive</li></ul></aside>{FOOTER}</body></html>")


def _paragraphs(rng: random.Random, sentences: list[str], n: int) -> list[str]:
    """n paragraphs of two sentences each; no sentence repeats within a page."""
    pool = rng.sample(sentences + FILLER, k=min(2 * n, len(sentences + FILLER)))
    return [" ".join(pool[2 * k:2 * k + 2]) for k in range(n)]


def _katex(tex: str, display: bool) -> str:
    esc = html.escape(tex)
    mathml = (f"<span class='katex-mathml'><math xmlns='http://www.w3.org/1998/Math/MathML'><semantics><mrow><mi>x</mi></mrow>"
              f"<annotation encoding='application/x-tex'>{esc}</annotation></semantics></math></span>")
    visual = "<span class='katex-html' aria-hidden='true'><span class='base'><span class='mord mathnormal'>x</span></span></span>"
    inner = f"<span class='katex'>{mathml}{visual}</span>"
    return f"<span class='katex-display'>{inner}</span>" if display else inner


def _wiki_math(tex: str, display: bool) -> str:
    esc = html.escape(tex)
    disp = " display='block'" if display else ""
    img = (f"<img src='https://wikimedia.org/api/rest_v1/media/math/render/svg/{abs(hash(tex)) % 10**12:x}' "
           f"class='mwe-math-fallback-image-inline' aria-hidden='true' alt='{esc}'>")
    return (f"<span class='mwe-math-element'><span class='mwe-math-mathml-inline mwe-math-mathml-a11y' style='display: none;'>"
            f"<math xmlns='http://www.w3.org/1998/Math/MathML' alttext='{{\\displaystyle {esc}}}'{disp}><semantics><mrow><mi>x</mi></mrow>"
            f"<annotation encoding='application/x-tex'>{{\\displaystyle {esc}}}</annotation></semantics></math></span>{img}</span>")


def _render(style: str, tex: str, display: bool) -> str:
    esc = html.escape(tex)
    if style == "mathjax_script":
        mode = "; mode=display" if display else ""
        preview = f"<span class='MathJax_Preview'>{esc}</span>"
        rendered = f"<span class='MathJax' role='presentation'><span class='math'>{esc}</span></span>"
        return f"{preview}{rendered}<script type='math/tex{mode}'>{esc}</script>"
    if style == "raw_dollar":
        return f"$${esc}$$" if display else f"${esc}$"
    if style == "raw_paren":
        return f"\\[{esc}\\]" if display else f"\\({esc}\\)"
    if style == "katex":
        return _katex(tex, display)
    if style == "wiki":
        return _wiki_math(tex, display)
    if style == "tex_image":
        src = f"https://latex.codecogs.com/png.latex?{esc.replace(' ', '%20')}"
        return f"<img class='tex' src='{src}' alt='{esc}' title='{esc}'>"
    raise ValueError(style)


def math_page(rng: random.Random, i: int, style: str) -> Page:
    topic, sentences, formulas = rng.choice(TOPICS)
    parts = []
    order = rng.sample(formulas, len(formulas))
    for k, para in enumerate(_paragraphs(rng, sentences, rng.randint(2, 3))):
        f_inline, f_disp = order[(2 * k) % len(order)], order[(2 * k + 1) % len(order)]
        parts.append(f"<p>{para} {rng.choice(CONNECTIVES)} {_render(style, f_inline, False)} holds here.</p>")
        parts.append(f"<p>{_render(style, f_disp, True)}</p>" if style != "wiki" else f"<dl><dd>{_render(style, f_disp, True)}</dd></dl>")
    head = MATHJAX_LOADER if style.startswith("mathjax") or style.startswith("raw") else ""
    if style == "katex":
        head = "<link rel='stylesheet' href='https://cdn.jsdelivr.net/npm/katex/dist/katex.min.css'>"
    hosts = {"mathjax_script": "mathblog{}.org", "raw_dollar": "notes{}.edu", "raw_paren": "lectures{}.net",
             "katex": "katexnotes{}.io", "wiki": "en.wikipedia{}.org", "tex_image": "tutor{}.com"}
    host = hosts[style].format(i % 7)
    slug = topic.replace(" ", "-")
    return Page(f"https://{host}/{slug}/{i}", _doc(f"Notes on {topic} ({i})", "".join(parts), head), f"math:{style}")


def plain_math_page(rng: random.Random, i: int) -> Page:
    a, b, c = rng.randint(2, 9), rng.randint(1, 20), rng.randint(21, 80)
    x = (c - b) / a
    paras = [
        f"Problem {i}. Solve the equation {a}x + {b} = {c} for x and check the answer.",
        f"Subtract {b} from both sides to get {a}x = {c - b}. Then divide both sides by {a}, so x = {x:g}.",
        f"Check: {a} times {x:g} plus {b} equals {a * x + b:g}, which is {c}, so the solution is correct.",
        "The same method works for any linear equation: isolate the term with the variable, then divide by its coefficient.",
        f"Exercise: solve {a + 1}x - {b} = {c} and find the value of x. Then find the sum of the two solutions above.",
    ]
    return Page(f"https://homework{i % 5}.com/algebra/linear-{i}", _doc(f"Linear equations worksheet {i}", "".join(f"<p>{p}</p>" for p in paras)), "math:plain")


def forum_page(rng: random.Random, i: int) -> Page:
    topic, sentences, formulas = rng.choice(TOPICS)
    f1, f2, f3 = rng.sample(formulas, 3)
    q = (f"<div class='question' id='question'><div class='post-text'><p>I am stuck on a problem about {topic}. "
         f"Why is it true that <script type='math/tex'>{html.escape(f1)}</script>? My textbook just states it and I would like to understand the reason.</p>"
         f"<p>I tried to use $ {html.escape(f2)} $ but I could not finish the argument.</p></div></div>")
    answers = []
    for k in range(rng.randint(1, 3)):
        answers.append(
            f"<div class='answer' id='answer-{k}'><div class='post-text'><p>{sentences[(i + k) % len(sentences)]} "
            f"{ANSWER_OPENERS[k]}</p><script type='math/tex; mode=display'>{html.escape(f3)}</script>"
            f"<p>{ANSWER_CLOSERS[k]} {FILLER[(i + k) % len(FILLER)]}</p></div>"
            f"<div class='comments'><span class='comment-copy'>Thanks, that helps!</span></div></div>")
    body = (f"<div id='mainbar'>{q}<h2>{len(answers)} Answers</h2>{''.join(answers)}</div>"
            f"<div id='sidebar'><h4>Related</h4><ul><li>How to study math</li><li>Hot network questions</li></ul></div>")
    return Page(f"https://math.stackexchange{i % 3}.com/questions/{1000 + i}/question-{i}",
                _doc(f"Question about {topic}", body, MATHJAX_LOADER), "math:forum")


def news_page(rng: random.Random, i: int, mathjax_noise: bool = False) -> Page:
    body = "".join(f"<p>{p}</p>" for p in rng.sample(NEWS, 5))
    head = MATHJAX_LOADER if mathjax_noise else ""  # hard negative: MathJax loaded, no math
    return Page(f"https://dailynews{i % 6}.com/local/story-{i}", _doc(f"Local news {i}", body, head), "nonmath:news" + (":mathjax" if mathjax_noise else ""))


def shop_page(rng: random.Random, i: int) -> Page:
    price = rng.randint(10, 200)
    body = f"<div class='product'><p class='price'>${price}.99</p>" + "".join(f"<p>{p}</p>" for p in rng.sample(SHOP, 4)) + "</div>"
    return Page(f"https://shop{i % 4}.example-store.com/products/item-{i}", _doc(f"Product {i}", body), "nonmath:shop")


def code_page(rng: random.Random, i: int) -> Page:
    body = "".join(f"<p>{p}</p>" if not p.startswith(("function", "const", "if")) else f"<pre><code>{html.escape(p)}</code></pre>"
                   for p in rng.sample(CODE, 5)) + f"<p>{' '.join(rng.sample(SHOP + NEWS, 2))}</p>"
    return Page(f"https://devblog{i % 3}.io/posts/js-{i}", _doc(f"JavaScript tips {i}", body), "nonmath:code")


def spam_page(rng: random.Random, i: int) -> Page:
    body = "".join(f"<p>{SPAM}</p>" for _ in range(12))
    return Page(f"https://cheap-pills{i}.biz/buy", _doc("Buy now", body), "nonmath:spam")


def foreign_page(rng: random.Random, i: int, german: bool) -> Page:
    if german:
        body = "".join(f"<p>{p} <script type='math/tex'>x = \\frac{{-b \\pm \\sqrt{{b^2-4ac}}}}{{2a}}</script></p>" for p in GERMAN)
        return Page(f"https://mathe{i % 3}.de/quadratische-gleichungen-{i}", _doc("Quadratische Gleichungen", body, MATHJAX_LOADER, "de"), "foreign:de")
    body = "".join(f"<p>{p}</p>" for p in FRENCH)
    return Page(f"https://journal{i % 3}.fr/ville/article-{i}", _doc("Actualités", body, lang="fr"), "foreign:fr")


def near_duplicate(rng: random.Random, page: Page, i: int) -> Page:
    """The same page under another URL, with a few words changed (a mirror or a repost)."""
    text = page.html.replace("This is a standard result", "This is a well known result", 1).replace("Copyright 2024", "Copyright 2025")
    return Page(page.url.replace("https://", f"https://mirror{i % 3}.") + "?ref=mirror", text, page.kind + ":dup")


def legacy_charset_page(i: int) -> Page:
    text = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'><title>Caf\xe9 math</title></head>"
            "<body><p>Na\xefve set theory at the caf\xe9: the set of all sets that do not contain themselves leads to a paradox, "
            "and that is why mathematicians use axioms instead of na\xefve definitions when they build the theory of sets. "
            "The r\xe9sum\xe9 of the argument is short and we give it here for the reader who wants the details of the proof.</p></body></html>")
    return Page(f"https://legacy{i}.example.org/cafe.html", "", "math:legacy_charset", content_type="text/html", body=text.encode("cp1252"))


def sample_pages(pages: int = 240, seed: int = 0) -> list[Page]:
    rng = random.Random(seed)
    styles = ["mathjax_script", "raw_dollar", "raw_paren", "katex", "wiki", "tex_image"]
    kinds = (["math"] * 9 + ["plain"] * 2 + ["forum"] * 3 + ["news"] * 4 + ["news_mj"] * 1 + ["shop"] * 3 + ["code"] * 2 + ["spam"] * 1 + ["foreign"] * 1)
    out: list[Page] = []
    i = 0
    while len(out) < pages - 6:
        kind = kinds[i % len(kinds)]
        if kind == "math":
            out.append(math_page(rng, i, styles[i % len(styles)]))
        elif kind == "plain":
            out.append(plain_math_page(rng, i))
        elif kind == "forum":
            out.append(forum_page(rng, i))
        elif kind in ("news", "news_mj"):
            out.append(news_page(rng, i, mathjax_noise=kind == "news_mj"))
        elif kind == "shop":
            out.append(shop_page(rng, i))
        elif kind == "code":
            out.append(code_page(rng, i))
        elif kind == "spam":
            out.append(spam_page(rng, i))
        else:
            out.append(foreign_page(rng, i, german=(i // len(kinds)) % 2 == 0))
        i += 1
    math_pages = [p for p in out if p.kind.startswith("math:")]
    out += [near_duplicate(rng, p, k) for k, p in enumerate(rng.sample(math_pages, 3))]
    out.append(legacy_charset_page(i))
    out.append(Page("https://images.example.com/logo.png", "", "nonhtml", content_type="image/png", body=b"\x89PNG\r\n\x1a\n" + bytes(64)))
    out.append(Page("https://mathblog0.org/missing", _doc("Not found", "<p>Sorry, this page does not exist.</p>"), "http404", status=404))
    return out


def _record(rec_type: str, uri: str, block: bytes, rid: str, date: str, declared_len: int | None = None) -> bytes:
    head = (f"WARC/1.0\r\nWARC-Type: {rec_type}\r\nWARC-Record-ID: <urn:uuid:{rid}>\r\nWARC-Date: {date}\r\n"
            f"WARC-Target-URI: {uri}\r\nContent-Type: application/http; msgtype={rec_type}\r\n"
            f"Content-Length: {declared_len if declared_len is not None else len(block)}\r\n\r\n")
    return head.encode() + block + b"\r\n\r\n"


def write_sample_warcs(folder: str, pages: int = 240, seed: int = 0, files: int = 2) -> list[str]:
    """Write the sample as `files` WARC files (a gzip member per record, as Common Crawl does),
    pages dealt round-robin; the last file ends with a truncated record. Returns the paths."""
    os.makedirs(folder, exist_ok=True)
    ns = uuid.UUID(int=seed)
    paths = [os.path.join(folder, f"sample-{seed}-{pages}-{k:02d}.warc.gz") for k in range(files)]
    handles = [open(p + ".tmp", "wb") for p in paths]
    try:
        for k, page in enumerate(sample_pages(pages, seed)):
            f = handles[k % files]
            body = page.body if page.body is not None else page.html.encode("utf-8")
            reason = {200: "OK", 404: "Not Found"}.get(page.status, "OK")
            http = (f"HTTP/1.1 {page.status} {reason}\r\nContent-Type: {page.content_type}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode() + body
            date = f"2024-11-{1 + k % 28:02d}T12:{k % 60:02d}:00Z"
            req = f"GET / HTTP/1.1\r\nHost: {page.url.split('/')[2]}\r\n\r\n".encode()
            f.write(gzip.compress(_record("request", page.url, req, str(uuid.uuid5(ns, f"req{k}")), date)))
            f.write(gzip.compress(_record("response", page.url, http, str(uuid.uuid5(ns, f"resp{k}")), date)))
        # A crawler cut off mid-record: the last response declares more bytes than it holds.
        http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>The integral of"
        handles[-1].write(gzip.compress(_record("response", "https://truncated.example.com/page", http,
                                                str(uuid.uuid5(ns, "truncated")), "2024-11-30T00:00:00Z", declared_len=len(http) + 5000)))
    finally:
        for h in handles:
            h.close()
    for p in paths:
        os.replace(p + ".tmp", p)
    return paths


if __name__ == "__main__":
    import sys

    print("\n".join(write_sample_warcs(sys.argv[1] if len(sys.argv) > 1 else "sample")))
