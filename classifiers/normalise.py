"""Text normalisation for the fastText math classifier.

fastText splits on whitespace only, so what a "word" is gets decided here. The same function runs
at training and at scoring time (the model's sidecar JSON records its settings), so a page is
always seen the same way:

- NFKC (fullwidth and compatibility forms become their plain forms), then lowercase;
- every number (a run of digits, with inner `.`/`,` groups) becomes the single token `0`:
  "2023", "3.14" and "1,000" are the same word to the model, which must learn *that* a page is
  numeric, not which numbers it holds. Digits glued to letters keep the glue ("3x" -> "0x");
- math symbols (`= + - * / ^ _ < > |` and their Unicode kin) become tokens of their own,
  and LaTeX commands are split off as tokens (`\\frac{a}{b}` -> `\\frac a b`); braces go, like
  other brackets: they say little the commands do not, they are half of every code page, and
  each token costs a row of the embedding matrix at prediction time;
- delimiters that only say "a math renderer was here" (`$`, `\\(`, `\\)`, `\\[`, `\\]`) are dropped,
  so the model learns the language of mathematics, not the presence of MathJax — the bootstrap
  labels are chosen *by* markup, and a model that keyed on `$` would flag shell scripts;
- prose punctuation (`. , ; : ! ? " '`, brackets) becomes a space: it carries little signal;
- lines are capped at `max_line_chars` (minified junk, base64) and the page at `max_chars`.

Speed matters (the web pipeline scores every page): the work is done with C-level string
operations — `bytes.translate` with 256-byte tables and `bytes.replace` — rather than regular
expressions, which cost ~20 ns per character in CPython's engine; the few regexes (Unicode math
symbols) start with a literal byte and run only on pages that contain it. Full NFKC runs only on
the lines that are not NFKC already.
"""
from __future__ import annotations

import re
import unicodedata

NUMBER_TOKEN = "0"
DEFAULT_MAX_CHARS = 20_000
DEFAULT_MAX_LINE_CHARS = 2_000

# Pass 1 (1:1 byte map): digits -> "0", all whitespace -> " ". `$` is deleted outright.
_DIGITS_AND_SPACE = bytearray(range(256))
for _c in b"0123456789":
    _DIGITS_AND_SPACE[_c] = ord("0")
for _c in b"\n\r\t\v\f\x00":
    _DIGITS_AND_SPACE[_c] = ord(" ")
_DIGITS_AND_SPACE = bytes(_DIGITS_AND_SPACE)
_DELETE = b"$"

# Pass 2 (after numbers are collapsed, which needs `.` and `,`): prose punctuation -> " ".
_PROSE_PUNCT = bytearray(range(256))
for _c in b".,;:!?\"'`()[]{}#@&~%":
    _PROSE_PUNCT[_c] = ord(" ")
_PROSE_PUNCT = bytes(_PROSE_PUNCT)

# Math symbols that become tokens of their own.
_PADDED = [(bytes([c]), b" " + bytes([c]) + b" ") for c in b"=+-*/^_<>|"]
# Display/inline delimiters of TeX: markup, not math language.
_TEX_DELIMITERS = (b"\\(", b"\\)", b"\\[", b"\\]")

# Unicode, handled in UTF-8 bytes with patterns that start with a literal lead byte (so the regex
# engine skips to candidates fast), each tried only when its lead byte occurs in the page:
# dashes, quotes and bullets (U+2010-U+2022) become spaces, the minus sign U+2212 is "-", and every
# character of the letterlike, arrow, math-operator and geometric-shape blocks (U+2100-U+22FF,
# U+25A0-U+25FF: ℝ, →, ≤, ∑, ∫ ...), the primes and the Latin-1 math signs (× ÷ ± · ° ¬) is a token.
_MINUS = ("\u2212".encode(), b" - ")
_PROSE_MARKS = re.compile(rb"\xe2\x80[\x90-\xa2]")
_MATH_SYMBOLS = re.compile(rb"\xe2(?:[\x84-\x8b][\x80-\xbf]|\x96[\xa0-\xbf]|\x97[\x80-\xbf]|\x80[\xb2\xb3])")
_LATIN1_C2 = re.compile(rb"\xc2[\xac\xb0\xb1\xb7]")
_LATIN1_C3 = re.compile(rb"\xc3[\x97\xb7]")


def _unicode_pass(raw: bytes) -> bytes:
    if b"\xe2" in raw:
        if _MINUS[0] in raw:
            raw = raw.replace(*_MINUS)
        raw = _PROSE_MARKS.sub(b" ", raw)
        raw = _MATH_SYMBOLS.sub(rb" \g<0> ", raw)
    if b"\xc2" in raw:
        raw = _LATIN1_C2.sub(rb" \g<0> ", raw)
    if b"\xc3" in raw:
        raw = _LATIN1_C3.sub(rb" \g<0> ", raw)
    return raw


def _nfkc(text: str) -> str:
    """NFKC, paying for the full algorithm (~40 ns/char) only on lines that need it.

    A newline never composes with its neighbours, so line by line equals the whole text.
    """
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    return "\n".join(line if line.isascii() or unicodedata.is_normalized("NFKC", line)
                     else unicodedata.normalize("NFKC", line) for line in text.split("\n"))


def _cap_lines(text: str, max_line_chars: int) -> str:
    lines = text.split("\n")
    if max(map(len, lines)) <= max_line_chars:
        return text
    return "\n".join(line[:max_line_chars] for line in lines)


def prepare(
    text: str,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_line_chars: int = DEFAULT_MAX_LINE_CHARS,
) -> tuple[bytes, bool]:
    """The str-level half of `normalise`: caps, NFKC, lowercase; UTF-8 bytes and whether ASCII.

    The byte-level half is `normalise_bytes` here and its C twin in `_fastscore.c`.
    """
    if len(text) > max_chars:
        text = text[:max_chars]
    if "\xa0" in text:  # the commonest reason a page is not NFKC already
        text = text.replace("\xa0", " ")
    text = _nfkc(text).lower()
    if len(text) > max_line_chars:
        text = _cap_lines(text, max_line_chars)
    # Invalid surrogates (from badly decoded pages) must not crash a whole task.
    return text.encode("utf-8", "replace"), text.isascii()


def normalise_bytes(raw: bytes, ascii: bool) -> bytes:
    """The byte-level half of `normalise` (mirrored step for step in `_fastscore.c`)."""
    raw = raw.translate(_DIGITS_AND_SPACE, _DELETE)
    if not ascii:
        raw = _unicode_pass(raw)
    # Numbers: digits are all "0" now; collapse runs, then decimal/thousands groups.
    while b"00" in raw:
        raw = raw.replace(b"00", b"0")
    for group in (b"0.0", b"0,0"):
        while group in raw:
            raw = raw.replace(group, b"0")
    if b"\\" in raw:
        for delim in _TEX_DELIMITERS:
            if delim in raw:
                raw = raw.replace(delim, b" ")
        # "x\cdot y" -> "x \cdot y": a command starts a token.
        raw = raw.replace(b"\\", b" \\")
    raw = raw.translate(_PROSE_PUNCT)
    for sym, padded in _PADDED:
        if sym in raw:
            raw = raw.replace(sym, padded)
    return raw


def normalise(
    text: str,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_line_chars: int = DEFAULT_MAX_LINE_CHARS,
) -> str:
    """One line of space-separated tokens for fastText (no newline inside)."""
    return normalise_bytes(*prepare(text, max_chars, max_line_chars)).decode("utf-8", "replace")


def normalise_many(texts, max_chars: int = DEFAULT_MAX_CHARS, max_line_chars: int = DEFAULT_MAX_LINE_CHARS) -> list[str]:
    return [normalise(t, max_chars, max_line_chars) for t in texts]
