"""The fastText normaliser: what a token is for the math classifier."""
import pytest

from classifiers.normalise import normalise


def toks(text: str, **kw) -> list[str]:
    return normalise(text, **kw).split()


def test_one_line_lowercase_nfkc():
    out = normalise("Ｆｕｌｌ　Width\nNEW line\r\ttab")
    assert "\n" not in out and "\t" not in out and "\r" not in out
    assert out.split() == ["full", "width", "new", "line", "tab"]


@pytest.mark.parametrize("number", ["7", "2023", "3.14159", "1,000,000", "0.5", "10.2.3"])
def test_numbers_become_one_token(number):
    assert toks(f"we have {number} apples") == ["we", "have", "0", "apples"]


def test_digits_glued_to_letters_keep_the_glue():
    assert toks("3x h2o") == ["0x", "h0o"]


def test_latex_commands_are_tokens():
    assert toks(r"\frac{a}{b}+x\cdot y") == ["\\frac", "a", "b", "+", "x", "\\cdot", "y"]
    assert "\\alpha" in toks(r"2\alpha")
    assert toks(r"\sum_{i=1}^{n} i") == ["\\sum", "_", "i", "=", "0", "^", "n", "i"]


def test_renderer_delimiters_are_dropped_math_kept():
    inline = toks(r"so $x^2 = 4$ and \(y\) and \[z\] and $$w$$")
    assert "$" not in "".join(inline) and "\\(" not in inline and "\\[" not in inline
    assert inline == ["so", "x", "^", "0", "=", "0", "and", "y", "and", "z", "and", "w"]
    # the same math written with or without delimiters is the same text to the model
    assert normalise("$a+b=c$").split() == normalise("a+b=c").split()


def test_prose_punctuation_is_space_math_symbols_are_tokens():
    assert toks('Hello, world! "Quoted" (aside); {end}.') == ["hello", "world", "quoted", "aside", "end"]
    assert toks("a<b>c|d-e*f/g") == ["a", "<", "b", ">", "c", "|", "d", "-", "e", "*", "f", "/", "g"]


def test_unicode_math_symbols_are_tokens():
    assert toks("x≤y − 1 ∫f dx “q”—a→b") == ["x", "≤", "y", "-", "0", "∫", "f", "dx", "q", "a", "→", "b"]
    assert toks("5×3±2° f′ ¬p • item") == ["0", "×", "0", "±", "0", "°", "f", "′", "¬", "p", "item"]
    assert toks("½ ℝ x\xa0y") == ["0⁄0", "r", "x", "y"]  # NFKC: 1⁄2, double-struck R, no-break space


def test_long_lines_and_pages_are_capped():
    long_line = "word " * 1000  # 5000 chars on one line
    assert len(toks(long_line, max_line_chars=100)) == 20
    text = "short line\n" + long_line + "\nafter"
    capped = toks(text, max_line_chars=100)
    assert capped[:2] == ["short", "line"] and capped[-1] == "after" and len(capped) == 23
    assert len(toks("abcd " * 100, max_chars=50)) == 10


def test_bad_input_does_not_crash():
    assert normalise("") == ""
    assert normalise("\ud800 lone surrogate").split() == ["lone", "surrogate"]
    assert normalise("\x00nul\x00") .split() == ["nul"]
