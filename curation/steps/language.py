"""Language ID (fastText lid.176) and the language filter."""
from __future__ import annotations

from curation.steps.base import OctoStep


class LanguageFilter(OctoStep):
    name = "language"
    batch_size = 256

    def __init__(self, languages=("en",), threshold: float = 0.65):
        super().__init__()
        self.languages, self.threshold = set(languages), threshold
        self.model = None

    def setup(self, rank, world_size):
        if self.model is None:
            from classifiers.langid import LanguageIdentifier

            self.model = LanguageIdentifier()

    def process_batch(self, docs):
        reasons = []
        for doc, (lang, score) in zip(docs, self.model.predict([d.text for d in docs])):
            doc.metadata["lang"], doc.metadata["lang_score"] = lang, round(score, 4)
            if self.languages and lang not in self.languages:
                reasons.append(f"lang:{lang}")
            elif score < self.threshold:
                reasons.append(f"lang_score<{self.threshold}")
            else:
                reasons.append(None)
        return reasons

    def __getstate__(self):  # the fastText model is loaded per task, never pickled
        state = self.__dict__.copy()
        state["model"] = None
        return state
