"""MathScorer, the step the web and classifier pipelines score with."""
import json
import random

import pytest
from datatrove.data import Document

from classifiers.score import MathModel, MathScorer, ModelNotFound, sidecar_path
from classifiers.train import Example, train_fasttext, write_fasttext_file
from curation.steps.base import drop_mark

from cls_data import make_text, small_ft


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> str:
    rng = random.Random(5)
    examples = [Example(f"t{i}", make_text(rng, 6 if i % 2 else 0), i % 2, None, "t") for i in range(400)]
    folder = tmp_path_factory.mktemp("model")
    ft = small_ft()
    write_fasttext_file(examples, str(folder / "train.txt"), ft, strip=True)
    model, _, _ = train_fasttext(str(folder / "train.txt"), ft)
    path = str(folder / "model.bin")
    model.save_model(path)
    with open(sidecar_path(path), "w") as f:
        json.dump({"threshold": 0.8, "normalise": {"max_chars": 20000, "max_line_chars": 2000}}, f)
    return path


def docs(n=40, seed=7):
    rng = random.Random(seed)
    return [Document(text=make_text(rng, 6 if i % 2 else 0), id=f"d{i}", metadata={}) for i in range(n)]


def run(step, items):
    return list(step.run(iter(items), 0, 1))


def test_scores_every_page_and_drops_below_threshold(model_path):
    out = run(MathScorer(model_path, threshold=0.5, batch_size=8), docs())
    assert len(out) == 40 and all("math_score" in d.metadata for d in out)
    for i, d in enumerate(out):
        mark = drop_mark(d)
        assert (mark is None) == (d.metadata["math_score"] >= 0.5)
        if mark:
            assert mark["step"] == "math_classifier" and mark["reason"] == "math_score<0.5"
    kept = [int(d.id[1:]) % 2 for d in out if not drop_mark(d)]
    dropped = [int(d.id[1:]) % 2 for d in out if drop_mark(d)]
    assert sum(kept) / len(kept) > 0.9 and sum(dropped) / max(len(dropped), 1) < 0.1


def test_pages_dropped_earlier_are_not_scored(model_path):
    items = docs(4)
    items[0].metadata["_dropped"] = {"step": "language", "reason": "lang=de", "index": 3}
    out = run(MathScorer(model_path), items)
    assert "math_score" not in out[0].metadata and drop_mark(out[0])["step"] == "language"
    assert all("math_score" in d.metadata for d in out[1:])


def test_auto_threshold_comes_from_the_sidecar(model_path):
    step = MathScorer(model_path, threshold="auto")
    step.setup(0, 1)
    assert step._threshold == 0.8


def test_missing_model_is_one_line_error_or_kept(tmp_path):
    with pytest.raises(ModelNotFound) as err:
        run(MathScorer(str(tmp_path / "nope.bin")), docs(2))
    assert "\n" not in str(err.value) and "nope.bin" in str(err.value) and "missing: keep" in str(err.value)
    out = run(MathScorer(str(tmp_path / "nope.bin"), missing="keep"), docs(3))
    assert len(out) == 3 and not any(drop_mark(d) for d in out) and all("math_score" not in d.metadata for d in out)


def test_not_a_model_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"not a fasttext model")
    with pytest.raises(ValueError, match="not a fastText model"):
        MathModel(str(bad))


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="missing"):
        MathScorer("m.bin", missing="ignore")
