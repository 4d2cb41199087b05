"""Quality filters: length bounds, Gopher repetition and Gopher quality rules (steps/gopher.py).

Nothing here drops a page for containing `{` or `$` (as C4's filter does): that would empty a
math corpus.
"""
from __future__ import annotations

from curation.steps.base import OctoStep
from curation.steps.gopher import quality_reason, repetition_reason


class QualityFilter(OctoStep):
    name = "quality"

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg

    def process(self, doc):
        c = self.cfg
        words = doc.text.split()
        if len(words) < c.min_words:
            return f"too_short (<{c.min_words} words)"
        if len(words) > c.max_words:
            return f"too_long (>{c.max_words} words)"
        if c.gopher_repetition:
            reason = repetition_reason(doc.text, words)
            if reason:
                return reason
        if c.gopher_quality:
            return quality_reason(doc.text, words, c.min_words, c.max_words, c.min_avg_word_length,
                                  c.max_avg_word_length, c.max_hash_ratio, c.min_alpha_word_frac, c.min_stop_words)
        return None
