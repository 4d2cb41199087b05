"""`octo-train eval`: scoring predictions for every benchmark format, and a real (tiny,
random-weight) transformers checkpoint evaluated end to end on CPU."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from train.cli import main as octo_train
from train.evaluate import main as eval_main, pass_at_k

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT.parent / "shared" / "data" / "benchmarks"


def _formats():
    spec = importlib.util.spec_from_file_location("octo_test_benchmark_formats", Path(__file__).with_name("test_benchmarks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


FORMATS_MODULE = _formats()
FORMATS = FORMATS_MODULE.FORMATS


def _last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def _samples(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8")]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_predictions_for_every_format(tmp_path, capsys, name):
    data = FORMATS_MODULE.write_format(tmp_path, name)
    cases = FORMATS[name][2]
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(json.dumps({"outputs": [right, wrong]}) + "\n" for _, _, right, wrong in cases), encoding="utf-8")
    rc = eval_main(["--benchmark", name, "--data", str(data), "--predictions", str(preds), "--out", str(tmp_path / "out"), "--workers", "1"])
    out = capsys.readouterr().out
    assert rc == 0
    summary = _last_json(out)
    assert summary["benchmark"] == name and summary["n"] == len(cases)
    assert summary["accuracy"] == pytest.approx(0.5)
    assert summary["pass@2"] == pytest.approx(1.0)
    rows = _samples(tmp_path / "out" / f"{name}.samples.jsonl")
    assert [r["correct"] for r in rows] == [True, False] * len(cases), rows


def test_single_output_predictions_and_default_out_dir(tmp_path, capsys):
    data = FORMATS_MODULE.write_format(tmp_path, "gsm8k")
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"output": "The answer is 1000."}\n{"output": "no idea"}\n', encoding="utf-8")
    assert eval_main(["--benchmark", "gsm8k", "--data", str(data), "--predictions", str(preds), "--workers", "1"]) == 0
    summary = _last_json(capsys.readouterr().out)
    assert summary["accuracy"] == 0.5 and summary["no_answer"] == 0.5 and summary["n"] == 2
    assert (tmp_path / "p.eval" / "gsm8k.samples.jsonl").is_file()
    assert json.loads((tmp_path / "p.eval" / "gsm8k.summary.json").read_text())["accuracy"] == 0.5


def test_real_reference_solutions_score_perfectly(shared_data, tmp_path, capsys):
    for name, field in (("gsm8k", "answer"), ("math500", "solution")):
        data = shared_data / "benchmarks" / name / "test.jsonl"
        preds = tmp_path / f"{name}.jsonl"
        with data.open(encoding="utf-8") as src, preds.open("w", encoding="utf-8") as dst:
            for line in src:
                dst.write(json.dumps({"output": json.loads(line)[field]}) + "\n")
        assert eval_main(["--benchmark", name, "--data", str(data), "--predictions", str(preds), "--out", str(tmp_path), "--workers", "2"]) == 0
        summary = _last_json(capsys.readouterr().out)
        assert summary["n"] == {"gsm8k": 1319, "math500": 500}[name]
        assert summary["accuracy"] >= 0.99


def test_majority_and_pass_at_k(tmp_path, capsys):
    data = FORMATS_MODULE.write_format(tmp_path, "gsm8k")
    preds = tmp_path / "p.jsonl"
    # Problem 1 (gold 1000): 3 of 4 right, majority right. Problem 2 (gold 2): 1 of 4 right, majority wrong.
    preds.write_text(
        json.dumps({"outputs": ["The answer is 1000.", "#### 1,000", "The answer is 7.", "\\boxed{1000}"]}) + "\n"
        + json.dumps({"outputs": ["The answer is 3.", "The answer is 3.", "The answer is 2.", "nothing"]}) + "\n",
        encoding="utf-8",
    )
    assert eval_main(["--benchmark", "gsm8k", "--data", str(data), "--predictions", str(preds), "--out", str(tmp_path), "--workers", "1"]) == 0
    summary = _last_json(capsys.readouterr().out)
    assert summary["samples_per_problem"] == 4
    assert summary["accuracy"] == pytest.approx((3 / 4 + 1 / 4) / 2)
    assert summary["pass@1"] == pytest.approx(summary["accuracy"])
    assert summary["pass@4"] == pytest.approx(1.0)
    assert summary["pass@2"] == pytest.approx((pass_at_k(4, 3, 2) + pass_at_k(4, 1, 2)) / 2)
    assert summary["maj@4"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--benchmark", "gsm9k", "--predictions", "p.jsonl"], "invalid choice"),
        (["--benchmark", "gsm8k"], "one of the arguments --model --predictions is required"),
        (["--benchmark", "gsm8k", "--predictions", "p.jsonl", "--model", "m"], "not allowed with"),
        (["--benchmark", "gsm8k", "--data", "DATA", "--predictions", "missing.jsonl"], "no such file"),
        (["--benchmark", "gsm8k", "--data", "DATA", "--predictions", "SHORT"], "has 1 predictions but the benchmark has 2 problems"),
        (["--benchmark", "gsm8k", "--data", "DATA", "--predictions", "BADJSON"], ":1: not valid JSON"),
        (["--benchmark", "gsm8k", "--data", "nowhere.jsonl", "--predictions", "SHORT"], "no such file"),
        (["--benchmark", "gsm8k", "--data", "DATA", "--predictions", "SHORT", "--n", "0"], "--n must be >= 1"),
        (["--benchmark", "gsm8k", "--data", "DATA", "--model", "m", "--n", "2", "--temperature", "0"], "need --temperature > 0"),
        (["--benchmark", "mawps", "--predictions", "SHORT"], "pass --data"),
        (["--benchmark", "gsm8k", "--data", "DATA", "--model", "no/such/dir/model"], "no such"),
        (["--benchmark", "gsm8k", "--data", "DATA", "--model", "."], "neither a model folder"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    data = FORMATS_MODULE.write_format(tmp_path, "gsm8k")
    (tmp_path / "short.jsonl").write_text('{"output": "1"}\n', encoding="utf-8")
    (tmp_path / "bad.jsonl").write_text("{oops\n", encoding="utf-8")
    replace = {"DATA": str(data), "SHORT": str(tmp_path / "short.jsonl"), "BADJSON": str(tmp_path / "bad.jsonl")}
    rc = octo_train(["eval"] + [replace.get(a, a) for a in argv])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1 and message in err, err


def test_limit_scores_the_first_problems(tmp_path, capsys):
    data = FORMATS_MODULE.write_format(tmp_path, "gsm8k")
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"output": "The answer is 1000."}\n', encoding="utf-8")
    assert eval_main(["--benchmark", "gsm8k", "--data", str(data), "--predictions", str(preds), "--limit", "1", "--workers", "1"]) == 0
    assert _last_json(capsys.readouterr().out)["accuracy"] == 1.0


# ---------------------------------------------------------------------------------------------
# A real checkpoint: tiny random-weight Llama + a tokenizer trained here
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    words = ("the answer is question problem solution of a to and in number apples total each how many more "
             "than she he has had left find what compute so we get then").split()
    corpus = [" ".join(words[(i * 7 + j) % len(words)] for j in range(12)) + f" {i} + {i * 3} = {i * 4} ." for i in range(300)]
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<unk>", "<s>", "</s>", "<pad>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    hf_tok = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="<pad>")
    config = transformers.LlamaConfig(
        vocab_size=len(hf_tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=8192, bos_token_id=hf_tok.bos_token_id,
        eos_token_id=hf_tok.eos_token_id, pad_token_id=hf_tok.pad_token_id,
    )
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(config)
    out = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(out)
    hf_tok.save_pretrained(out)
    return out


def test_model_fewshot_end_to_end(tiny_model, tmp_path, capsys):
    data = FORMATS_MODULE.write_format(tmp_path, "gsm8k")
    out = tmp_path / "eval"
    rc = eval_main(["--benchmark", "gsm8k", "--data", str(data), "--model", str(tiny_model), "--max-new-tokens", "6",
                    "--batch-size", "2", "--device", "cpu", "--out", str(out), "--workers", "1"])
    assert rc == 0
    summary = _last_json(capsys.readouterr().out)
    assert summary["benchmark"] == "gsm8k" and summary["n"] == 2 and summary["shots"] == 8
    assert 0.0 <= summary["accuracy"] <= 1.0
    rows = _samples(out / "gsm8k.samples.jsonl")
    assert len(rows) == 2
    assert rows[0]["prompt"].count("Question:") == 9  # the 8-shot prompt went to the model
    for r in rows:
        assert isinstance(r["output"], str) and "\nQuestion:" not in r["output"]


def test_model_zero_shot_sampling_pass_at_k(tiny_model, tmp_path, capsys):
    import shutil

    data = FORMATS_MODULE.write_format(tmp_path, "math500")
    out = tmp_path / "eval"
    run_dir = tmp_path / "run"  # a training run folder: the checkpoint is its hf/ export
    shutil.copytree(tiny_model, run_dir / "hf")
    rc = eval_main(["--benchmark", "math500", "--data", str(data), "--model", str(run_dir), "--shots", "0", "--n", "2",
                    "--max-new-tokens", "8", "--device", "cpu", "--out", str(out), "--workers", "1", "--seed", "1"])
    assert rc == 0
    summary = _last_json(capsys.readouterr().out)
    assert summary["samples_per_problem"] == 2 and "pass@2" in summary and "maj@2" in summary
    rows = _samples(out / "math500.samples.jsonl")
    assert len(rows) == 4 and "\\boxed{}" in rows[0]["prompt"]


def test_generator_batches_and_stops(tiny_model):
    from train.generate import SamplingConfig, TransformersGenerator, truncate_at_stop

    gen = TransformersGenerator(str(tiny_model), device="cpu", batch_size=4)
    prompts = ["the answer is", "how many apples has she left in total and", "so"]
    greedy = gen.generate(prompts, SamplingConfig(max_new_tokens=4))
    gen.batch_size = 1
    one_by_one = gen.generate(prompts, SamplingConfig(max_new_tokens=4))
    assert [c[0].text for c in greedy] == [c[0].text for c in one_by_one]  # left padding changes nothing
    for per_prompt in greedy:
        assert len(per_prompt) == 1 and len(per_prompt[0].token_ids) <= 4
    gen.batch_size = 4
    sampled = gen.generate(prompts, SamplingConfig(n=2, temperature=1.0, max_new_tokens=4, stop=["the"]))
    for per_prompt in sampled:
        assert len(per_prompt) == 2
        assert all("the" not in c.text for c in per_prompt)
    assert truncate_at_stop("abc\nQuestion: x", ["\nQuestion:"]) == ("abc", True)
    assert truncate_at_stop("abc", ["zz"]) == ("abc", False)


def test_cli_subprocess_last_line_is_json(tmp_path):
    data = FORMATS_MODULE.write_format(tmp_path, "mmlu_stem")
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"output": "The answer is (B)."}\n{"output": "The answer is (C)."}\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "train.cli", "eval", "--benchmark", "mmlu_stem", "--data", str(data), "--predictions", str(preds), "--workers", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    summary = _last_json(proc.stdout)
    assert summary == {**summary, "benchmark": "mmlu_stem", "n": 2, "accuracy": 1.0}
