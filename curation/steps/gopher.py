"""Gopher quality and repetition rules (Rae et al. 2021, appendix A), on whitespace words.

Thresholds are the paper's except where math needs otherwise (see QualityConfig): equations
split into short tokens without letters (`=`, `2`, `+`), so the share of words with a letter and
the mean word length are relaxed. Each check returns a reason string, or None to keep.
"""
from __future__ import annotations

import re
from collections import Counter

STOP_WORDS = frozenset(["the", "be", "to", "of", "and", "that", "have", "with"])
BULLETS = ("•", "●", "○", "▪", "◦", "-", "*", "–")
_PUNCT_ONLY = re.compile(r"^\W+$")
_PARAS = re.compile(r"\n{2,}")


def quality_reason(text: str, words: list[str], min_words: int, max_words: int, min_avg_len: float,
                   max_avg_len: float, max_hash_ratio: float, min_alpha_frac: float, min_stop_words: int,
                   max_bullet_frac: float = 0.9, max_ellipsis_frac: float = 0.3) -> str | None:
    content = [w for w in words if not _PUNCT_ONLY.match(w)]
    n = len(content)
    if n < min_words:
        return "gopher_short_doc"
    if n > max_words:
        return "gopher_long_doc"
    avg = sum(map(len, content)) / n
    if avg < min_avg_len:
        return "gopher_below_avg_word_length"
    if avg > max_avg_len:
        return "gopher_above_avg_word_length"
    if text.count("#") / n > max_hash_ratio:
        return "gopher_too_many_hashes"
    if (text.count("...") + text.count("…")) / n > max_hash_ratio:
        return "gopher_too_many_ellipsis"
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if lines:
        if sum(ln.lstrip().startswith(BULLETS) for ln in lines) / len(lines) > max_bullet_frac:
            return "gopher_too_many_bullets"
        if sum(ln.rstrip().endswith(("...", "…")) for ln in lines) / len(lines) > max_ellipsis_frac:
            return "gopher_too_many_end_ellipsis"
    if sum(any(c.isalpha() for c in w) for w in words) / max(len(words), 1) < min_alpha_frac:
        return "gopher_below_alpha_threshold"
    if sum(w.lower() in STOP_WORDS for w in words) < min_stop_words:
        return "gopher_enough_stop_words"
    return None


def _dup_fraction(parts: list[str]) -> tuple[float, float]:
    """(share of elements that repeat an earlier one, share of characters in them)."""
    seen: set[str] = set()
    dup_n = dup_chars = total_chars = 0
    for p in parts:
        total_chars += len(p)
        if p in seen:
            dup_n += 1
            dup_chars += len(p)
        else:
            seen.add(p)
    return dup_n / max(len(parts), 1), dup_chars / max(total_chars, 1)


def _top_ngram_char_frac(words: list[str], n: int) -> float:
    grams = Counter(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    if not grams:
        return 0.0
    top, count = grams.most_common(1)[0]
    return len(top) * count / max(sum(len(w) for w in words), 1)


def _dup_ngram_char_frac(words: list[str], n: int) -> float:
    """Share of characters covered by n-grams that occur more than once (non-overlapping marks)."""
    if len(words) < n:
        return 0.0
    seen: set[tuple] = set()
    covered = [False] * len(words)
    for i in range(len(words) - n + 1):
        g = tuple(words[i:i + n])
        if g in seen:
            for j in range(i, i + n):
                covered[j] = True
        else:
            seen.add(g)
    total = sum(len(w) for w in words)
    return sum(len(w) for w, c in zip(words, covered) if c) / max(total, 1)


TOP_NGRAMS = ((2, 0.2), (3, 0.18), (4, 0.16))
DUP_NGRAMS = ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10))


def repetition_reason(text: str, words: list[str]) -> str | None:
    paras = [p.strip() for p in _PARAS.split(text) if p.strip()]
    frac, char_frac = _dup_fraction(paras)
    if frac > 0.3:
        return "gopher_dup_para_frac"
    if char_frac > 0.2:
        return "gopher_dup_para_char_frac"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    frac, char_frac = _dup_fraction(lines)
    if frac > 0.3:
        return "gopher_dup_line_frac"
    if char_frac > 0.2:
        return "gopher_dup_line_char_frac"
    for n, limit in TOP_NGRAMS:
        if _top_ngram_char_frac(words, n) > limit:
            return f"gopher_top_{n}_gram"
    for n, limit in DUP_NGRAMS:
        if _dup_ngram_char_frac(words, n) > limit:
            return f"gopher_duplicated_{n}_n_grams"
    return None
