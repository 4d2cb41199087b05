"""Validation of a refined answer: what makes a rewrite unfit for MegaMath-Web-Pro-Max.

`AnswerValidator.check(original, answer, ...)` returns None for a good answer or a reason
`<rule>:<detail>`; rules, in the order they are tried:

    empty            nothing left after cleaning
    no_math          the model said the page has no mathematics (the prompt's NO_MATH)
    truncated        generation stopped at its token budget (finish_reason 'length')
    refusal          "I'm sorry, I can't ...", "As an AI ..."
    preamble         chat framing before the text: "Sure! Here is the refined text:"
    epilogue         chat framing after it: "Let me know if you need anything else."
    too_short / too_long   len(answer) / len(original) outside [min_length_ratio, max_length_ratio]
    latex_lost       share of the original's LaTeX fragments found in the answer < min_latex_kept
    lang_changed     the answer's language (fastText lid.176) differs from the original's
"""
from __future__ import annotations

import re

NO_MATH = "NO_MATH"

# Display math first so `$$a$$` is not read as two empty inline fragments.
_LATEX = re.compile(
    r"\$\$(.+?)\$\$"
    r"|\\\[(.+?)\\\]"
    r"|\\\((.+?)\\\)"
    r"|\\begin\{([a-zA-Z*]+)\}(.+?)\\end\{\4\}"
    r"|(?<![\\$])\$(?!\$)([^$\n]+?)(?<!\\)\$",
    re.DOTALL,
)
_WS = re.compile(r"\s+")
MAX_FRAGMENTS = 500  # enough to judge a page; bounds the cost on formula-heavy pages

_REFUSAL = re.compile(
    r"^\W*(i'?m sorry|i am sorry|sorry,|i apologi[sz]e|i cannot|i can'?t|i can not|i'?m unable|i am unable|"
    r"i won'?t be able|as an ai\b|as a language model|unfortunately,? i\b)",
    re.IGNORECASE,
)
_PREAMBLE = re.compile(
    r"^\W*(sure|certainly|of course|absolutely|okay|ok|great|alright)\b[\s,!.:]"
    r"|^\W*here(?:'s| is| are)\b"
    r"|^\W*(below is|the following is)\b"
    r"|^\W*(the )?(refined|rewritten|cleaned|revised)( up)?( text| version| page| content)?\s*(\*\*)?:",
    re.IGNORECASE,
)
_EPILOGUE = re.compile(
    r"(let me know if|i hope this helps|feel free to ask|if you have any (other |further )?questions|"
    r"is there anything else)[^\n]*\W*$",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^```[\w-]*\n(.*)\n```$", re.DOTALL)


def latex_fragments(text: str) -> list[str]:
    """Bodies of the LaTeX fragments of a text ($..$, $$..$$, \\(..\\), \\[..\\], environments)."""
    out = []
    for m in _LATEX.finditer(text):
        body = next((g for i, g in enumerate(m.groups()) if g is not None and i != 3), None)
        if body is not None and body.strip():
            out.append(body)
            if len(out) >= MAX_FRAGMENTS:
                break
    return out


def latex_kept_share(original: str, answer: str) -> tuple[float, int]:
    """(share of the original's fragments whose body appears in the answer, number of fragments).

    Whitespace is ignored and delimiters are not compared, so `$x^2$` rewritten as `\\(x^2\\)`
    or `$x ^ 2$` counts as kept.
    """
    frags = latex_fragments(original)
    if not frags:
        return 1.0, 0
    flat = _WS.sub("", answer)
    kept = sum(1 for f in frags if _WS.sub("", f) in flat)
    return kept / len(frags), len(frags)


def clean_answer(text: str | None) -> str:
    """Strip what models wrap around an answer: whitespace, the prompt's <<< >>> markers, a
    single code fence around everything."""
    if not text:
        return ""
    text = text.strip()
    m = _FENCE.match(text)
    if m:
        text = m.group(1).strip()
    if text.startswith("<<<"):
        text = text[3:].lstrip()
    if text.endswith(">>>"):
        text = text[:-3].rstrip()
    return text


class AnswerValidator:
    def __init__(self, cfg):
        """cfg: refine.config.RefineConfig (or anything with its validation fields)."""
        self.cfg = cfg
        self._langid = None

    def _language(self, text: str) -> tuple[str, float]:
        if self._langid is None:
            from classifiers.langid import LanguageIdentifier

            self._langid = LanguageIdentifier()
        return self._langid.predict([text])[0]

    def check(self, original: str, answer: str, finish_reason: str | None = None, original_lang: str | None = None) -> str | None:
        cfg = self.cfg
        if not answer:
            return "empty"
        if answer.strip().strip(".").upper() == NO_MATH:
            return "no_math"
        if cfg.reject_truncated and finish_reason == "length":
            return "truncated"
        if _REFUSAL.search(answer[:200]):
            return "refusal"
        if _PREAMBLE.search(answer[:200]):
            return "preamble"
        if _EPILOGUE.search(answer[-300:]):
            return "epilogue"
        ratio = len(answer) / max(1, len(original))
        if ratio < cfg.min_length_ratio:
            return f"too_short:{ratio:.2f}"
        if ratio > cfg.max_length_ratio:
            return f"too_long:{ratio:.2f}"
        if cfg.min_latex_kept > 0:
            share, n = latex_kept_share(original, answer)
            if n >= cfg.min_latex_fragments and share < cfg.min_latex_kept:
                return f"latex_lost:{share:.2f}"
        if cfg.check_language and len(answer) >= cfg.min_lang_chars:
            lang_in = original_lang or self._language(original)[0]
            lang_out, score = self._language(answer)
            if lang_out != lang_in and score >= cfg.lang_confidence:
                return f"lang_changed:{lang_in}->{lang_out}"
        return None

    def __getstate__(self):  # the fastText model is loaded per task, never pickled
        state = self.__dict__.copy()
        state["_langid"] = None
        return state
