"""Generated pages with a known math signal, and small fastText settings, for the classifier tests."""
from __future__ import annotations

import random

from classifiers.config import FastTextConfig

FILLER = ("the of and to in is that for it was on with as his they be at one have this from or had by "
          "word but some what there we can out other were all your when up use how said an each she which "
          "do their time if will way about many then them would like so these her long make thing see him").split()
SIGNAL = [r"\frac{a}{b}", "theorem", "integral", r"x^2 + y^2 = z^2", "lemma", r"\sum_{k=1}^n k", "derivative", "proof"]


def make_text(rng: random.Random, n_signal: int, n_words: int = 80) -> str:
    words = [rng.choice(FILLER) for _ in range(n_words)]
    for _ in range(n_signal):
        words.insert(rng.randrange(len(words)), rng.choice(SIGNAL))
    return " ".join(words)


def small_ft(**kw) -> FastTextConfig:
    base = dict(dim=16, epoch=20, lr=0.5, word_ngrams=2, min_count=1, bucket=20000, threads=1, seed=1)
    base.update(kw)
    return FastTextConfig(**base)
