"""Validation rules on crafted answers."""
from __future__ import annotations

import pytest

from refine.config import RefineConfig
from refine.validate import AnswerValidator, clean_answer, latex_fragments, latex_kept_share

ORIGINAL = (
    "Quadratic equations. To solve $x^2 - 5x + 6 = 0$ we factor it as $(x-2)(x-3) = 0$, so $x = 2$ or "
    "$x = 3$. The roots of $ax^2+bx+c=0$ are $$x = \\frac{-b \\pm \\sqrt{b^2-4ac}}{2a}.$$ "
    "Share this page on Twitter. Related posts: 10 tips for exams. Login. Cookie policy."
)
GOOD = (
    "To solve the quadratic equation $x^2 - 5x + 6 = 0$, factor it as $(x-2)(x-3) = 0$. Hence $x = 2$ "
    "or $x = 3$. In general, the roots of $ax^2+bx+c=0$ are given by the quadratic formula "
    "\\[x = \\frac{-b \\pm \\sqrt{b^2-4ac}}{2a}.\\]"
)


@pytest.fixture
def validator():
    return AnswerValidator(RefineConfig(check_language=False))


def test_good_answer_passes(validator):
    assert validator.check(ORIGINAL, GOOD, "stop") is None


@pytest.mark.parametrize(
    "answer,finish,reason",
    [
        ("", "stop", "empty"),
        ("NO_MATH", "stop", "no_math"),
        (GOOD, "length", "truncated"),
        ("I'm sorry, but I can't help with rewriting this page.", "stop", "refusal"),
        ("As an AI language model, I cannot browse the web.", "stop", "refusal"),
        ("Sure! Here is the refined text:\n\n" + GOOD, "stop", "preamble"),
        ("Here's the rewritten version:\n" + GOOD, "stop", "preamble"),
        ("**Refined text:**\n" + GOOD, "stop", "preamble"),
        (GOOD + "\n\nLet me know if you need any further changes!", "stop", "epilogue"),
        (GOOD + "\nI hope this helps.", "stop", "epilogue"),
    ],
)
def test_rejections(validator, answer, finish, reason):
    assert validator.check(ORIGINAL, answer, finish) == reason


def test_length_ratio_bounds(validator):
    assert validator.check(ORIGINAL, "$x = 2$ or $x = 3$.", "stop").startswith("too_short:")
    assert validator.check(ORIGINAL, GOOD * 3, "stop").startswith("too_long:")
    loose = AnswerValidator(RefineConfig(check_language=False, max_length_ratio=5))
    assert loose.check(ORIGINAL, GOOD * 3, "stop") is None


def test_latex_lost(validator):
    no_formulas = (
        "To solve the quadratic equation, factor it into two linear factors, then read off the two roots, "
        "which are two and three. In general, the roots of a quadratic are given by the quadratic formula, "
        "which involves the square root of the discriminant."
    )
    assert validator.check(ORIGINAL, no_formulas, "stop").startswith("latex_lost:0.")
    # Too few fragments in the input: the rule does not apply.
    short = "The area of a circle is $\\pi r^2$. Buy our course now! Share on Facebook."
    assert validator.check(short, "The area of a circle of radius r is pi times r squared.", "stop") is None


def test_latex_fragments_and_share():
    text = "a $x$ b $$y+1$$ c \\(z\\) d \\[w\\] e \\begin{align} p &= q \\end{align} f \\$5 and $$"
    assert latex_fragments(text) == ["x", "y+1", "z", "w", " p &= q "]
    # Delimiters and whitespace do not matter; a dropped formula does.
    share, n = latex_kept_share(text, "\\(x\\) then $y + 1$ then $z$ and w and p&=q")
    assert n == 5 and share == 1.0
    share, _ = latex_kept_share(text, "x only $x$")
    assert share == pytest.approx(0.2)  # only x of the five
    assert latex_kept_share("no maths here", "anything") == (1.0, 0)


def test_clean_answer():
    assert clean_answer("  ```markdown\nSome $x$ text\n```  ") == "Some $x$ text"
    assert clean_answer("<<<\nbody\n>>>") == "body"
    assert clean_answer(None) == ""


def test_language_change_is_rejected():
    pytest.importorskip("fasttext")
    from classifiers.langid import lid_model_path

    try:
        lid_model_path()
    except RuntimeError as e:
        pytest.skip(str(e))
    v = AnswerValidator(RefineConfig(min_lang_chars=50))
    french = (
        "Pour résoudre l'équation du second degré $x^2 - 5x + 6 = 0$, on la factorise en $(x-2)(x-3) = 0$. "
        "Les solutions sont donc $x = 2$ et $x = 3$. En général, les racines de $ax^2+bx+c=0$ sont données "
        "par la formule $$x = \\frac{-b \\pm \\sqrt{b^2-4ac}}{2a}.$$"
    )
    assert v.check(ORIGINAL, french, "stop") == "lang_changed:en->fr"
    assert v.check(ORIGINAL, GOOD, "stop", original_lang="en") is None
    # The original's language comes from metadata when the web pipeline recorded it.
    assert v.check(french, french, "stop", original_lang="fr") is None
