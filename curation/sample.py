"""The bundled sample: a WARC file generated at run time, deterministic for a seed.

It imitates what a Common Crawl segment holds for this recipe. Math pages: lecture notes,
Wikipedia-style articles, problem sets with worked solutions, forum Q&A, olympiad proofs and
blog posts, marked up the way real sites do it (MathJax script tags and raw `$`/`\\(` delimiters,
KaTeX with its MathML annotation, Wikipedia MathML with TeX annotations and fallback images, TeX
images from equation services), and plain-text math and word problems. Non-math pages of many
genres (curation/sample_text.py): news, homepages and CVs, tutorials with code and shell commands,
API docs, recipes, shops, travel, health, history, science, blogs, forums, events ... full of
numbers, dates, tables and operators. Also spam, hard negatives (MathJax loaded on a page with no
math), near-duplicates, non-English pages, a non-HTML response, a 404, a legacy-charset page and
a truncated last record. Prose comes from curation/sample_math.py and curation/sample_text.py.
"""
from __future__ import annotations

import gzip
import html
import os
import random
import re
import uuid
from dataclasses import dataclass

from curation.sample_math import COURSE, DISPLAY, MATH_MARK, exercise, m, proof, tex_to_plain, topic_paragraphs
from curation.sample_problems import word_problem
from curation.sample_text import BLOG, CHATTER, genre_body
from curation.sample_words import fill, pick

SPAM = "Best cheap pills online buy now cheap pills best price buy now online pills cheap"
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

MATHJAX_LOADER = '<script src="https://cdn.jsdelivr.net/npm/mathjax@2/MathJax.js?config=TeX-AMS_HTML"></script>'
NAVS = [
    "<nav><a href='/'>Home</a> | <a href='/about'>About</a> | <a href='/contact'>Contact</a> | <a href='/archive'>Archive</a></nav>",
    "<nav><ul><li><a href='/'>Start</a></li><li><a href='/blog'>Blog</a></li><li><a href='/tags'>Tags</a></li><li><a href='/search'>Search</a></li></ul></nav>",
    "<header><a href='/'>Front page</a> <a href='/latest'>Latest</a> <a href='/popular'>Popular</a> <a href='/login'>Log in</a></header>",
]
FOOTERS = [
    "<footer><p>Copyright 2024. All rights reserved. Privacy policy. Terms of use. Follow us on social media.</p></footer>",
    "<footer><p>Powered by a static site generator. Content licensed under CC BY-SA 4.0. Contact the editors.</p></footer>",
    "<footer><p>Subscribe to our newsletter. Cookie settings. Accessibility statement. Back to top.</p></footer>",
]
MARKUP_STYLES = ["mathjax_script", "raw_dollar", "raw_paren", "katex", "wiki", "tex_image"]


@dataclass
class Page:
    url: str
    html: str
    kind: str
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    body: bytes | None = None  # raw bytes when not UTF-8 HTML


def _doc(title: str, body: str, head: str = "", lang: str = "en") -> str:
    k = len(title) % len(NAVS)  # site chrome varies by page, the same for math and non-math
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{html.escape(title)}</title>{head}</head>"
            f"<body>{NAVS[k]}<main><article><h1>{html.escape(title)}</h1>{body}</article></main>"
            f"<aside><h3>Popular posts</h3><ul><li>Ten tips</li><li>Archive</li></ul></aside>{FOOTERS[k]}</body></html>")


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
    if style in ("plain", "plain_ascii"):  # typed as text: 3x^2 + 1 = 13, sqrt(2), ≤
        return html.escape(tex_to_plain(tex, ascii_only=style == "plain_ascii"))
    raise ValueError(style)


def _marked(text: str, style: str) -> str:
    """HTML of text whose math is marked (sample_math.m/d), the math rendered in `style`."""
    out, pos = [], 0
    for mt in MATH_MARK.finditer(text):
        out.append(html.escape(text[pos:mt.start()]))
        display = mt.group(2) is not None
        out.append(_render(style, mt.group(2) if display else mt.group(1), display))
        pos = mt.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _p(text: str, style: str) -> str:
    if style == "wiki" and text.startswith(DISPLAY):
        return f"<dl><dd>{_marked(text, style)}</dd></dl>"
    return f"<p>{_marked(text, style)}</p>"


def _chatter(rng: random.Random, p: float) -> str:
    """With probability p, a paragraph of the small talk pages of every kind share."""
    return f"<p>{html.escape(' '.join(rng.sample(CHATTER, 2)))}</p>" if rng.random() < p else ""


def _math_head(style: str) -> str:
    if style in ("mathjax_script", "raw_dollar", "raw_paren"):
        return MATHJAX_LOADER
    if style == "katex":
        return "<link rel='stylesheet' href='https://cdn.jsdelivr.net/npm/katex/dist/katex.min.css'>"
    return ""


def _problem(rng: random.Random) -> tuple[str, list[str]]:
    """A story problem (45% of the time) or a TeX-heavy exercise."""
    if rng.random() < 0.45:
        return word_problem(rng)
    return exercise(rng)[1:]


def _worked(rng: random.Random, style: str, label: str) -> str:
    q, steps = _problem(rng)
    return _p(f"{label} {q}", style) + _p("Solution. " + " ".join(steps), style)


def math_page(rng: random.Random, i: int, style: str) -> Page:
    """Lecture notes or (style wiki) an encyclopedia article: topic prose, formulas, an example."""
    topic, paras = topic_paragraphs(rng, rng.randint(2, 4))
    parts = [_p(p, style) for p in paras]
    if style == "wiki":
        parts.insert(0, _p(f"This article is about {topic} in mathematics. For other uses, see {topic} (disambiguation).", style))
        parts.append("<h2>See also</h2>" + "".join(f"<p>{fill(rng, t)}</p>" for t in [
            "{name} ({year}). An introduction to " + topic + ". {univ} Press.", "Lecture notes by {name}, {univ}, {recent}."]))
    elif rng.random() < 0.6:
        parts.insert(0, _p(" ".join(pick(rng, COURSE, 2)), style))
    if rng.random() < 0.7:
        parts.append(_worked(rng, style, "Example."))
    parts.insert(rng.randint(0, len(parts)), _chatter(rng, 0.4))
    hosts = {"mathjax_script": "mathblog{}.org", "raw_dollar": "notes{}.edu", "raw_paren": "lectures{}.net",
             "katex": "katexnotes{}.io", "wiki": "en.wikipedia{}.org", "tex_image": "tutor{}.com"}
    title = rng.choice(["Notes on {}", "Lecture {n}: {}", "{} - an introduction", "Chapter {n}. {}"]).replace("{}", topic)
    return Page(f"https://{hosts[style].format(i % 7)}/{topic.replace(' ', '-')}/{i}",
                _doc(fill(rng, title).capitalize(), "".join(parts), _math_head(style)), f"math:{style}")


def exercises_page(rng: random.Random, i: int, style: str) -> Page:
    """A problem set with worked solutions (a homework site, a contest forum)."""
    parts = [f"<h3>Problem {k}</h3>" + _worked(rng, style, "") for k in range(1, rng.randint(3, 6))]
    if rng.random() < 0.5:
        parts.insert(0, _p(" ".join(pick(rng, COURSE, 1)), style))
    parts.insert(rng.randint(0, len(parts)), _chatter(rng, 0.3))
    title = fill(rng, rng.choice(["Practice problems", "Homework {n} solutions", "Worked examples", "Problem set {n}", "Review sheet"]))
    return Page(f"https://problems{i % 5}.org/sets/{i}", _doc(title, "".join(parts), _math_head(style)), f"math:exercises:{style}")


def plain_math_page(rng: random.Random, i: int) -> Page:
    """Math typed as text: a worksheet, word problems with answers, exercises in plain notation."""
    variant = i % 3
    if variant == 0:
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
    if variant == 1:
        parts = []
        for k in range(1, rng.randint(4, 7)):
            q, steps = word_problem(rng)
            parts.append(f"<p>{k}. {html.escape(q)}</p>{_p(' '.join(steps), 'plain')}")
        parts.insert(rng.randint(0, len(parts)), _chatter(rng, 0.4))
        return Page(f"https://homework{i % 5}.com/word-problems/{i}", _doc(fill(rng, "Word problems for grade {n}"), "".join(parts)), "math:word")
    style = rng.choice(["plain", "plain_ascii"])
    parts = [f"<h3>Question {k}</h3>" + _worked(rng, style, "") for k in range(1, rng.randint(4, 6))]
    return Page(f"https://tutoring{i % 4}.net/answers/{i}", _doc("Questions and answers", "".join(parts)), "math:plain_text")


def forum_page(rng: random.Random, i: int) -> Page:
    q, steps = _problem(rng)
    opener = rng.choice(["I am stuck on this one:", "Here is a problem from my textbook.", "Can someone check my work?",
                         "This came up in a practice exam and I have no idea where to start.", "Quick question."])
    opener = (rng.choice(CHATTER) + " " if rng.random() < 0.3 else "") + opener
    tried = rng.choice(["I tried " + steps[0][0].lower() + steps[0][1:] + " but then I got lost.",
                        "My answer does not match the back of the book.", "Any hint would be appreciated, thanks!"])
    qhtml = (f"<div class='question' id='question'><div class='post-text'>{_p(f'{opener} {q}', 'mathjax_script')}"
             f"{_p(tried, 'raw_dollar')}</div></div>")
    answers = []
    for k in range(rng.randint(1, 3)):
        body = steps if k == 0 else [rng.choice(["Hint:", "Another way:", "To add to the answer above,"]), *_problem(rng)[1]]
        answers.append(f"<div class='answer' id='answer-{k}'><div class='post-text'>{_p(' '.join(body), rng.choice(['raw_dollar', 'mathjax_script']))}</div>"
                       f"<div class='comments'><span class='comment-copy'>{rng.choice(['Thanks, that helps!', 'Nice solution.', 'Why does the second step hold?', '+1, very clear.'])}</span></div></div>")
    body = (f"<div id='mainbar'>{qhtml}<h2>{len(answers)} Answers</h2>{''.join(answers)}</div>"
            f"<div id='sidebar'><h4>Related</h4><ul><li>How to study math</li><li>Hot network questions</li></ul></div>")
    return Page(f"https://math.stackexchange{i % 3}.com/questions/{1000 + i}/question-{i}",
                _doc(fill(rng, rng.choice(["How do I solve this?", "Help with a homework problem", "Question {n} from the exam"])), body, MATHJAX_LOADER), "math:forum")


_NUM = r"\$?\d+(?:[.,]\d+)*"
ARITHMETIC = re.compile(rf"{_NUM}(?:\s*[-+*/×x]\s*{_NUM})+\s*=\s*{_NUM}")


def _mark_arithmetic(text: str) -> str:
    """`3 * 4 = 12` -> inline TeX `3 \\times 4 = 12`: how sites with MathJax typeset their solutions."""
    def tex(mt: re.Match) -> str:
        expr = re.sub(r"\s*(?:\*|×|(?<=\d) x (?=\d))\s*", lambda _: " \\times ", mt.group(0).replace("$", ""))
        return m(expr)
    return ARITHMETIC.sub(tex, text)


def story_page(rng: random.Random, i: int, style: str) -> Page:
    """Homework help: story problems asked and answered, the math typed or marked up."""
    parts = []
    for k in range(1, rng.randint(3, 6)):
        q, steps = word_problem(rng)
        solution = " ".join(steps)
        if style not in ("plain", "plain_ascii"):
            solution = _mark_arithmetic(solution)
        parts.append(f"<h3>{rng.choice(['Question', 'Problem', 'Exercise', 'Q'])} {k}</h3><p>{html.escape(q)}</p>{_p(solution, style)}")
    parts.insert(rng.randint(0, len(parts)), _chatter(rng, 0.5))
    title = fill(rng, rng.choice(["Word problems with answers", "Homework help: {n} story problems", "Math practice for grade {n}",
                                  "Solved problems", "Ask a tutor"]))
    return Page(f"https://{rng.choice(['homework', 'tutors', 'mathhelp'])}{i % 5}.com/story/{i}", _doc(title, "".join(parts), _math_head(style)),
                f"math:story:{style}")


def proof_page(rng: random.Random, i: int, style: str) -> Page:
    parts = []
    for k in range(1, rng.randint(3, 5)):
        statement, steps = proof(rng)
        parts.append(f"<h3>Problem {k}</h3>" + _p(statement, style) + _p("Proof. " + " ".join(steps) + " \u220e", style))
    return Page(f"https://olympiad{i % 3}.org/training/{i}", _doc(fill(rng, "Olympiad training, week {n}"), "".join(parts), _math_head(style)), f"math:proof:{style}")


def math_blog_page(rng: random.Random, i: int, style: str) -> Page:
    """A personal blog post about mathematics: everyday prose around a little math."""
    topic, paras = topic_paragraphs(rng, rng.randint(1, 2))
    intro = pick(rng, BLOG.sentences, 2)
    parts = [f"<p>{html.escape(' '.join(intro))} Today I want to write about {topic}.</p>", _chatter(rng, 0.7)] + [_p(p, style) for p in paras]
    parts.append(_worked(rng, style, "Here is a problem I liked:"))
    parts.append(f"<p>{html.escape(' '.join(pick(rng, BLOG.sentences, 2)))}</p>")
    return Page(f"https://{rng.choice(['thinking', 'musings', 'puzzles'])}{i % 5}.blog/{i}",
                _doc(f"Some thoughts on {topic}", "".join(parts), _math_head(style)), f"math:blog:{style}")


NEWS_GENRES = ["local", "politics", "sports", "business"]
CODE_GENRES = ["tutorial", "readme", "api", "programming_qa", "tutorial", "changelog"]
PEOPLE_GENRES = ["homepage", "cv", "homepage", "team"]
OTHER_GENRES = ["recipe", "travel", "health", "history", "science", "blog", "forum", "events", "reviews", "jobs", "weather", "legal"]


def genre_page(rng: random.Random, i: int, genre: str, head: str = "", kind: str = "") -> Page:
    title, body = genre_body(rng, genre)
    if genre in NEWS_GENRES:
        url = f"https://dailynews{i % 6}.com/{genre}/story-{i}"
    elif genre in CODE_GENRES:
        url = f"https://devblog{i % 3}.io/posts/{genre}-{i}"
    elif genre == "shop":
        url = f"https://shop{i % 4}.example-store.com/products/item-{i}"
    elif genre in PEOPLE_GENRES:
        url = f"https://people{i % 5}.example.edu/~{fill(rng, '{last}').lower()}/{i}"
    else:
        url = f"https://{genre}{i % 4}.example.com/{i}"
    return Page(url, _doc(title, body, head), kind or f"nonmath:{genre}")


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
    text = page.html.replace("Copyright 2024", "Copyright 2025").replace("Solution.", "Answer.", 1).replace("Hence", "Thus", 1)
    return Page(page.url.replace("https://", f"https://mirror{i % 3}.") + "?ref=mirror", text, page.kind + ":dup")


def legacy_charset_page(i: int) -> Page:
    text = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'><title>Caf\xe9 math</title></head>"
            "<body><p>Na\xefve set theory at the caf\xe9: the set of all sets that do not contain themselves leads to a paradox, "
            "and that is why mathematicians use axioms instead of na\xefve definitions when they build the theory of sets. "
            "The r\xe9sum\xe9 of the argument is short and we give it here for the reader who wants the details of the proof.</p></body></html>")
    return Page(f"https://legacy{i}.example.org/cafe.html", "", "math:legacy_charset", content_type="text/html", body=text.encode("cp1252"))


# One cycle of the sample: 21 math pages, 28 others (news, code, people, 12 other genres, spam, 2 foreign).
KINDS = (["notes"] * 6 + ["exercises"] * 4 + ["forum"] * 3 + ["plain"] * 3 + ["story"] * 3 + ["proof", "mathblog"]
         + ["news"] * 3 + ["news_mj"] + ["shop"] * 2 + ["code"] * 5 + ["people"] * 2 + ["other"] * 12 + ["spam"] + ["foreign"] * 2)


def sample_pages(pages: int = 240, seed: int = 0) -> list[Page]:
    rng = random.Random(seed)
    count = dict.fromkeys(KINDS, 0)
    out: list[Page] = []
    i = 0
    while len(out) < pages - 6:
        kind = KINDS[i % len(KINDS)]
        c = count[kind]
        count[kind] += 1
        if kind == "notes":
            out.append(math_page(rng, i, MARKUP_STYLES[c % len(MARKUP_STYLES)]))
        elif kind == "exercises":
            out.append(exercises_page(rng, i, ["raw_dollar", "mathjax_script", "katex", "raw_paren", "tex_image"][c % 5]))
        elif kind == "forum":
            out.append(forum_page(rng, i))
        elif kind == "plain":
            out.append(plain_math_page(rng, i))
        elif kind == "story":
            out.append(story_page(rng, i, ["plain", "mathjax_script", "plain", "raw_dollar", "plain_ascii"][c % 5]))
        elif kind == "proof":
            out.append(proof_page(rng, i, ["raw_dollar", "katex", "mathjax_script"][c % 3]))
        elif kind == "mathblog":
            out.append(math_blog_page(rng, i, ["mathjax_script", "raw_dollar", "katex"][c % 3]))
        elif kind == "news":
            out.append(genre_page(rng, i, NEWS_GENRES[c % len(NEWS_GENRES)]))
        elif kind == "news_mj":  # hard negative: MathJax loaded, no math
            out.append(genre_page(rng, i, NEWS_GENRES[c % len(NEWS_GENRES)], MATHJAX_LOADER, "nonmath:news:mathjax"))
        elif kind == "shop":
            out.append(genre_page(rng, i, "shop"))
        elif kind == "code":
            out.append(genre_page(rng, i, CODE_GENRES[c % len(CODE_GENRES)]))
        elif kind == "people":
            out.append(genre_page(rng, i, PEOPLE_GENRES[c % len(PEOPLE_GENRES)]))
        elif kind == "other":
            out.append(genre_page(rng, i, OTHER_GENRES[c % len(OTHER_GENRES)]))
        elif kind == "spam":
            out.append(spam_page(rng, i))
        else:
            out.append(foreign_page(rng, i, german=c % 2 == 0))
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
