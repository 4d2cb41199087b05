"""Scoring pages with a trained math classifier.

`math_score` is in [0, 1] for both variants: P(math) for a binary model, the expected 0-5 score
divided by 5 for a score model (`__label__0` .. `__label__5`); the variant is read from the
model's labels. The normalisation settings come from the model's sidecar JSON
(`round_k/model.json`, `latest.json`), so scoring sees text exactly as training did.

`MathScorer` is the datatrove step the `web` and `classifier` pipelines use: it batch-scores,
records `math_score` for every page (so every stats row has it), and drops pages below the
threshold with the reason `math_score<T`.
"""
from __future__ import annotations

import json
import logging
import os

import numpy as np
from datatrove.data import Document

from classifiers.linear import LinearTable
from classifiers.normalise import DEFAULT_MAX_CHARS, DEFAULT_MAX_LINE_CHARS, normalise
from curation.steps.base import OctoStep

log = logging.getLogger(__name__)


class ModelNotFound(FileNotFoundError):
    """The configured model file does not exist (one line for the user)."""


def sidecar_path(model_path: str) -> str:
    """`.../model.bin` -> `.../model.json`, `latest.bin` -> `latest.json`."""
    return os.path.splitext(model_path)[0] + ".json"


def read_sidecar(model_path: str) -> dict:
    path = sidecar_path(model_path)
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class MathModel:
    """A loaded fastText math classifier: texts in, math scores in [0, 1] out."""

    def __init__(self, path: str, fast: bool = True):
        if not os.path.isfile(path):
            raise ModelNotFound(f"math classifier model not found: {path}")
        import fasttext

        try:
            self.model = fasttext.load_model(path)
        except ValueError as e:
            raise ValueError(f"math classifier model {path} is not a fastText model ({e})") from None
        self.path = path
        self.labels = list(self.model.get_labels())
        labels = set(self.labels)
        if {"__label__math", "__label__other"} <= labels:
            self.variant = "binary"
        elif labels and all(lab.removeprefix("__label__").isdigit() for lab in labels):
            self.variant = "score"
        else:
            raise ValueError(f"math classifier {path}: labels {sorted(labels)} are neither math/other nor 0-5")
        self.n_labels = len(labels)
        self.info = read_sidecar(path)
        norm = self.info.get("normalise", {})
        self.max_chars = int(norm.get("max_chars", DEFAULT_MAX_CHARS))
        self.max_line_chars = int(norm.get("max_line_chars", DEFAULT_MAX_LINE_CHARS))
        self.fast = fast
        self._linear: LinearTable | None | bool = False  # built on first score()

    @property
    def linear(self) -> LinearTable | None:
        """fastText's predictions as a table lookup (classifiers/linear.py); None: fastText's
        own predict (turned off, or a model the table cannot reproduce)."""
        if self._linear is False:
            self._linear = LinearTable.from_model(self.model) if self.fast else None
        return self._linear

    def normalise(self, texts: list[str]) -> list[str]:
        mc, ml = self.max_chars, self.max_line_chars
        return [normalise(t, mc, ml) for t in texts]

    def predict_normalised(self, lines: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """(math_score per line, the n x 6 score-class probabilities or None for binary)."""
        labels, probs = self.model.predict(lines, k=-1)
        table = np.zeros((len(lines), len(self.labels)))
        column = {lab: i for i, lab in enumerate(self.labels)}
        for i, (labs, ps) in enumerate(zip(labels, probs)):
            for lab, p in zip(labs, ps):
                table[i, column[lab]] = p
        return self._scores(table)

    def _scores(self, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """fastText's label probabilities (columns in `self.labels` order) to math scores."""
        if self.variant == "binary":
            return np.clip(probs[:, self.labels.index("__label__math")], 0.0, 1.0), None
        classes = np.zeros((len(probs), 6))
        for i, lab in enumerate(self.labels):
            classes[:, min(int(lab[9:]), 5)] += probs[:, i]
        classes /= np.maximum(classes.sum(1, keepdims=True), 1e-12)
        return np.clip(classes @ np.arange(6) / 5.0, 0.0, 1.0), classes

    def score(self, texts: list[str]) -> np.ndarray:
        if self.linear is None:
            return self.predict_normalised(self.normalise(texts))[0]
        return self._scores(self.linear.probabilities_texts(texts, self.max_chars, self.max_line_chars))[0]


def resolve_threshold(threshold: float | str, model: MathModel) -> float:
    if threshold != "auto":
        return float(threshold)
    chosen = model.info.get("threshold")
    if chosen is None:
        raise ValueError(
            f"math classifier threshold 'auto': {sidecar_path(model.path)} has no threshold "
            "(the evaluation found none reaching the target precision); set a number"
        )
    return float(chosen)


class MathScorer(OctoStep):
    """Scores each page; `math_score` goes to metadata, pages below `threshold` are dropped.

    missing: "error" (a missing model file stops the task with a one-line message) or "keep"
    (first run, before any model exists: every page is kept, math_score stays null).
    """

    name = "math_classifier"

    def __init__(self, model_path: str, threshold: float | str = 0.5, missing: str = "error",
                 batch_size: int = 512, drop: bool = True):
        super().__init__()
        if missing not in ("error", "keep"):
            raise ValueError(f"math classifier missing: expected 'error' or 'keep', got {missing!r}")
        self.model_path, self.threshold_setting = model_path, threshold
        self.missing, self.batch_size, self.drop = missing, batch_size, drop
        self._model: MathModel | None = None
        self._threshold: float | None = None
        self._absent = False

    def setup(self, rank: int, world_size: int) -> None:
        if self._model is not None or self._absent:
            return
        if not os.path.isfile(self.model_path):
            if self.missing == "keep":
                log.warning("math classifier %s not found: keeping every page unscored (missing: keep)", self.model_path)
                self._absent = True
                return
            raise ModelNotFound(
                f"math classifier model not found: {self.model_path} — train one with the `classifier` "
                "pipeline first, or set `missing: keep` to run without it"
            )
        self._model = MathModel(self.model_path)
        self._threshold = resolve_threshold(self.threshold_setting, self._model)

    def process_batch(self, docs: list[Document]) -> list[str | None]:
        if self._absent:
            self.stat_update("unscored", value=len(docs))
            return [None] * len(docs)
        scores = self._model.score([d.text for d in docs])
        reasons: list[str | None] = []
        thr = self._threshold
        for doc, s in zip(docs, scores):
            doc.metadata["math_score"] = round(float(s), 6)
            reasons.append(f"math_score<{thr:g}" if self.drop and s < thr else None)
        return reasons
