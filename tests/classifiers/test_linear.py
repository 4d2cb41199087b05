"""The table scorer (classifiers/linear.py, _fastscore.c) against fastText itself.

Real fastText models trained by our code; fastText's own `predict` is the reference for every
probability, and normalise.py's `normalise_bytes` is the reference for the C normalisation.
"""
import ctypes
import glob
import os
import random

import numpy as np
import pytest

from classifiers import native
from classifiers.linear import LinearTable, fnv1a, fnv1a_many
from classifiers.normalise import normalise, normalise_bytes, prepare
from classifiers.score import MathModel
from classifiers.train import Example, train_fasttext, write_fasttext_file

from cls_data import make_text, small_ft

# Every character class the normaliser treats specially, plus ordinary text, to fuzz with.
PALETTE = (list("abcxyzABCXYZ      0123456789.,;:!?\"'`()[]{}#@&~%$=+-*/^_<>|\\\n\t\r\x0b\x0c\x00\x1c")
           + ["\\(", "\\)", "\\[", "\\]", "\\frac", "00", "0.0", "1,000", "3.14", "__label__math", "</s>"]
           + list("\u2212\u2010\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2032\u2033\u2102\u211d\u2192\u2200"
                  "\u2211\u222b\u2264\u25a0\u25cf\u00ac\u00b0\u00b1\u00b7\u00d7\u00f7\u00e9\u00fc\u00df\u00a0"
                  "\uff10\uff21\u3010\u3011\uff0c\u3002\u4e00\u0430\u0301\u2160\ufb01\U0001d465")
           + ["\ud800"])  # a lone surrogate, as badly decoded pages carry

TRICKY = ["", "   ", "\n\n", "__label__math x", "__label__other", "x __label__zzz y",
          "caf\u00e9 \u00fc\u00df x\x00y", "\u2212 \u222b 3.14,000 0.0.0 \\(x\\) \\\\ $a$ \u00d7\u00b1 \u2032",
          "a\x1cb \x0b c\x0cd", "\u00c9COLE \u212b \ufb01ne e\u0301t\u00e9", "\U0001d465 = 2"]


def fuzz_texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PALETTE) for _ in range(rng.randrange(0, 120))) for _ in range(n)]


def real_texts() -> list[str]:
    """Text of the real pages in ../shared/data, when it is there."""
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "benchmarks")
    out = []
    for path in sorted(glob.glob(os.path.join(root, "*", "test.jsonl")))[:2]:
        with open(path, encoding="utf-8") as f:
            out += [line[:3000] for _, line in zip(range(150), f)]
    return out


def _train(tmp_path, name, **ft_kw):
    rng = random.Random(7)
    variant = ft_kw.get("variant", "binary")
    examples = []
    for i in range(400):
        target = i % 6 if variant == "score" else i % 2
        signal = 2 * target if variant == "score" else 6 * target
        text = make_text(rng, signal, 60) + " " + "".join(rng.choice(PALETTE) for _ in range(30))
        examples.append(Example(f"t{i}", text, target, None, "test"))
    ft = small_ft(**ft_kw)
    path = str(tmp_path / f"{name}.txt")
    write_fasttext_file(examples, path, ft, strip=False)
    model, _, _ = train_fasttext(path, ft)
    model.save_model(str(tmp_path / f"{name}.bin"))
    return MathModel(str(tmp_path / f"{name}.bin"))


def _fasttext_probs(mm: MathModel, texts: list[str]) -> np.ndarray:
    lines = mm.normalise(texts)
    labels, probs = mm.model.predict(lines, k=-1)
    out = np.zeros((len(texts), len(mm.labels)))
    for i, (labs, ps) in enumerate(zip(labels, probs)):
        for lab, p in zip(labs, ps):
            out[i, mm.labels.index(lab)] = p
    return out


def _texts() -> list[str]:
    rng = random.Random(3)
    return TRICKY + fuzz_texts(300) + [make_text(rng, k, 70) for k in range(8)] + real_texts()


@pytest.mark.parametrize("kw", [
    dict(word_ngrams=3, bucket=5000),
    dict(word_ngrams=1, bucket=0),
    dict(word_ngrams=2, bucket=1000, variant="score", epoch=10),
], ids=["binary-trigrams", "binary-unigrams", "score-bigrams"])
def test_table_probabilities_equal_fasttext(tmp_path, kw):
    mm = _train(tmp_path, "m", **kw)
    table = mm.linear
    assert table is not None
    texts = _texts()
    want = _fasttext_probs(mm, texts)
    got = table.probabilities_texts(texts, mm.max_chars, mm.max_line_chars)
    assert np.abs(got - want).max() < 2e-6
    # the numpy path (no C compiler) gives the same numbers
    lines = [normalise(t, mm.max_chars, mm.max_line_chars).encode() for t in texts]
    assert np.abs(table.probabilities(lines) - want).max() < 2e-6
    # and so do the scores MathModel reports, against fastText's predict path
    assert np.abs(mm.score(texts) - mm.predict_normalised(mm.normalise(texts))[0]).max() < 2e-6


def test_c_normalisation_equals_python(tmp_path):
    lib = native.load()
    if lib is None:
        pytest.skip("no C compiler here: the numpy path is what runs")
    for text in _texts() + fuzz_texts(2000, seed=1):
        raw, ascii = prepare(text)
        out = ctypes.create_string_buffer(3 * len(raw) + 16)
        spare = ctypes.create_string_buffer(3 * len(raw) + 16)
        n = lib.octo_normalise(raw, len(raw), int(ascii), out, spare)
        assert out.raw[:n] == normalise_bytes(raw, ascii), repr(text)


def test_fnv1a_matches_fasttext_hashing_of_non_ascii_bytes():
    # fastText sign-extends each byte: a word of bytes >= 0x80 hashes differently from a plain
    # FNV-1a; the table scorer's agreement with predict above depends on this
    plain = 2166136261
    for b in "é".encode():
        plain = ((plain ^ b) * 16777619) & 0xFFFFFFFF
    assert fnv1a("é".encode()) != plain
    words = [b"", b"a", "\u222b".encode(), b"x" * 300, "caf\u00e9".encode()]
    assert list(fnv1a_many(words)) == [fnv1a(w) for w in words]


def test_models_the_table_cannot_reproduce_fall_back_to_predict(tmp_path):
    mm = _train(tmp_path, "hs", loss="hs")
    assert mm.linear is None
    texts = _texts()[:50]
    assert np.abs(mm.score(texts) - mm.predict_normalised(mm.normalise(texts))[0]).max() == 0


def test_without_c_the_numpy_path_scores(tmp_path, monkeypatch):
    monkeypatch.setattr(native, "_tried", True)
    monkeypatch.setattr(native, "_lib", None)
    mm = _train(tmp_path, "m", word_ngrams=3, bucket=5000)
    assert mm.linear._lib is None
    texts = _texts()
    assert np.abs(mm.score(texts) - mm.predict_normalised(mm.normalise(texts))[0]).max() < 2e-6


def test_a_broken_compiler_is_a_warning_not_a_crash(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(native, "_tried", False)
    monkeypatch.setattr(native, "_lib", None)
    monkeypatch.setenv("OCTO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    assert native.load() is None
    assert "numpy path" in caplog.text
