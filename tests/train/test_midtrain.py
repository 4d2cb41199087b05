"""`octo-train --mix`: a tiny Llama on a real packed mix, real DeepSpeed engines on CPU (gloo)."""
import json
import math
import os
import shutil
import subprocess
import sys

import pytest

from curation.cli import main as curate
from train.schedule import WSDMultiplier, wsd_lr

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEAK = 3e-3
DIST_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def _yaml(tmp_path) -> str:
    path = tmp_path / "pipelines.yaml"
    path.write_text(f"""
output: {tmp_path / 'out'}
executor: {{type: local, tasks: 1, workers: 1}}
pipelines:
  mix:
    tokenizer: {{name_or_path: models/tokenizer, vocab_size: 1000}}
    seq_len: 64
mixes:
  stable:
    tokens: 10240          # 160 sequences: 40 steps of 4
    sources:
      - {{name: qa_short, generate: {{style: short, n: 400, seed: 1}}, template: qa, weight: 0.7}}
      - {{name: qa_long, generate: {{style: long, n: 100, seed: 2}}, template: qa, weight: 0.3}}
  long_cot:
    phase: decay
    tokens: 3072           # 48 sequences: 12 steps of 4
    sources:
      - {{name: qa_long, generate: {{style: long, n: 100, seed: 2}}, template: qa, weight: 0.8}}
      - {{name: instruct, generate: {{style: instruct, n: 100, seed: 3}}, template: chat, weight: 0.2}}
train:
  model:
    init: {{hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 4}}
  precision: fp32
  zero_stage: 2
  micro_batch_size: 4
  lr: {PEAK}
  warmup_steps: 5
  decay_shape: cosine
  final_lr_ratio: 0.1
  save_every: 100
  log_every: 100
""")
    return str(path)


@pytest.fixture(scope="module")
def recipe(tmp_path_factory):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp("midtrain")
    cfg = _yaml(tmp)
    assert curate(["run", cfg]) == 0
    yield tmp, cfg
    torch.set_num_threads(threads)


def _train(*args) -> int:
    from train.midtrain import main

    return main(list(args))


def _metrics(run_dir):
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f]


def test_schedule_shapes():
    stable = [wsd_lr(s, peak_lr=1.0, total_steps=50, phase="stable", warmup_steps=10) for s in range(50)]
    assert stable[0] == 0.1 and stable[9] == 1.0 and set(stable[10:]) == {1.0}
    for shape in ("cosine", "linear", "1-sqrt"):
        lrs = [wsd_lr(s, peak_lr=2.0, total_steps=40, phase="decay", final_ratio=0.05, shape=shape) for s in range(40)]
        assert lrs[0] == 2.0 and math.isclose(lrs[-1], 0.1)
        assert all(a >= b for a, b in zip(lrs, lrs[1:]))
    # 1-sqrt drops fastest early, cosine slowest
    mid = {sh: wsd_lr(5, peak_lr=1.0, total_steps=41, phase="decay", final_ratio=0.0, shape=sh) for sh in ("cosine", "linear", "1-sqrt")}
    assert mid["1-sqrt"] < mid["linear"] < mid["cosine"]
    assert WSDMultiplier(10, "decay", 0, 0.1, "linear")(9) == pytest.approx(0.1)
    with pytest.raises(ValueError):
        WSDMultiplier(10, "decay", 0, 0.1, "exponential")


def test_stable_then_decay(recipe):
    tmp, cfg = recipe
    stable_run, decay_run = str(tmp / "runs" / "stable"), str(tmp / "runs" / "long_cot")
    assert _train("--mix", "stable", "--config", cfg, "--run-dir", stable_run) == 0
    rows = _metrics(stable_run)
    assert [r["step"] for r in rows] == list(range(1, 41))
    assert rows[-1]["tokens"] == 40 * 4 * 64 and all(r["tokens_per_s"] > 0 and r["grad_norm"] > 0 for r in rows)
    # the loss falls; the LR warms up, then holds the peak
    first, last = sum(r["loss"] for r in rows[:5]) / 5, sum(r["loss"] for r in rows[-5:]) / 5
    assert last < first - 1.0, (first, last)
    lrs = [r["lr"] for r in rows]
    assert lrs[:5] == pytest.approx([PEAK * k / 5 for k in range(1, 6)])
    assert lrs[5:] == pytest.approx([PEAK] * 35) and max(lrs) == pytest.approx(PEAK)

    # decay branch from the stable run: peak -> final ratio, monotone, starting from trained weights
    assert _train("--mix", "long_cot", "--config", cfg, "--run-dir", decay_run, "--init-from", stable_run) == 0
    drows = _metrics(decay_run)
    dl = [r["lr"] for r in drows]
    assert len(dl) == 12 and dl[0] == pytest.approx(PEAK) and dl[-1] == pytest.approx(PEAK * 0.1)
    assert all(a >= b for a, b in zip(dl, dl[1:]))
    assert drows[0]["loss"] < rows[0]["loss"] - 1.0  # not a fresh model
    with open(os.path.join(decay_run, "hf", "octo_export.json")) as f:
        meta = json.load(f)
    assert meta["complete"] and meta["phase"] == "decay" and meta["init_from"] == os.path.join(stable_run, "hf")

    # the export is a plain transformers model folder that generates
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(os.path.join(decay_run, "hf"))
    tok = AutoTokenizer.from_pretrained(os.path.join(decay_run, "hf"))
    ids = tok("Question: What is 3 + 4?\nAnswer:", return_tensors="pt").input_ids
    out = model.generate(ids, max_new_tokens=8, do_sample=False)
    assert out.shape[1] > ids.shape[1] and isinstance(tok.decode(out[0]), str)


def test_resume_is_bit_exact(recipe):
    """Stopped at step 4 and resumed == uninterrupted, loss for loss, with gradient accumulation."""
    tmp, cfg = recipe
    common = ["--mix", "stable", "--config", cfg, "--max-steps", "8", "--set", "train.grad_accum=2",
              "--set", "train.micro_batch_size=2", "--set", "train.zero_stage=1"]
    whole, split = str(tmp / "runs" / "whole"), str(tmp / "runs" / "split")
    assert _train(*common, "--run-dir", whole) == 0
    assert _train(*common, "--run-dir", split, "--stop-at", "3") == 0
    assert [r["step"] for r in _metrics(split)] == [1, 2, 3]
    assert _train(*common, "--run-dir", split, "--resume") == 0
    a, b = _metrics(whole), _metrics(split)
    keys = ("step", "loss", "lr", "tokens", "grad_norm")
    assert [[r[k] for k in keys] for r in a] == [[r[k] for k in keys] for r in b]

    from safetensors.torch import load_file

    wa = load_file(os.path.join(whole, "hf", "model.safetensors"))
    wb = load_file(os.path.join(split, "hf", "model.safetensors"))
    assert wa.keys() == wb.keys() and all((wa[k] == wb[k]).all() for k in wa)


def test_bad_input_fails_before_any_step(recipe, capsys):
    tmp, cfg = recipe
    base = ["--config", cfg]

    def err(*args) -> str:
        assert _train(*args) == 2
        return capsys.readouterr().err.strip().splitlines()[-1]

    assert "--mix nope: not a mix" in err("--mix", "nope", *base)
    assert "holds no checkpoint" in err("--mix", "stable", *base, "--run-dir", str(tmp / "runs" / "none"), "--resume")
    assert "unrecognized arguments" in err("--mix", "stable", *base, "--bogus")
    # a checkpoint from another configuration is refused, naming what differs
    assert _train("--mix", "stable", *base, "--run-dir", str(tmp / "runs" / "short"), "--max-steps", "2") == 0
    capsys.readouterr()
    msg = err("--mix", "stable", *base, "--run-dir", str(tmp / "runs" / "short"), "--resume", "--set", "train.lr=0.1")
    assert "incompatible" in msg and "lr: checkpoint 0.003, now 0.1" in msg
    assert "already holds a run" in err("--mix", "stable", *base, "--run-dir", str(tmp / "runs" / "short"))
    # a model whose vocabulary cannot hold the mix's token ids
    vocab = str(tmp / "runs" / "vocab")
    assert "embeddings" in err("--mix", "stable", *base, "--run-dir", vocab, "--set", "train.model.init.vocab_size=64")
    assert not os.path.exists(os.path.join(vocab, "metrics.jsonl"))
    # a corrupt shard, in a copy of the output
    bad = tmp / "bad_out"
    shutil.copytree(tmp / "out" / "mixes", bad / "mixes")
    shard = next((bad / "mixes" / "stable" / "sources" / "qa_short").glob("*.bin"))
    with open(shard, "r+b") as f:
        f.seek(100)
        f.write(b"\xff\xff")
    assert "corrupt packed shard" in err("--mix", "stable", *base, "--data", str(bad), "--run-dir", str(tmp / "runs" / "bad"))
    with open(shard, "ab") as f:
        f.write(b"\x00")
    assert "corrupt packed shard" in err("--mix", "stable", *base, "--data", str(bad), "--set", "train.verify_data=size")


def _clean_env() -> dict:
    """A child process must make its own process group, not join this test process's one."""
    env = {k: v for k, v in os.environ.items() if k not in DIST_ENV}
    env["OMP_NUM_THREADS"] = "1"
    return env


def test_cli_bf16_zero0(recipe):
    """`octo-train` as a command, bf16 on DeepSpeed's CPU accelerator, ZeRO stage 0."""
    tmp, cfg = recipe
    run = str(tmp / "runs" / "bf16")
    proc = subprocess.run([sys.executable, "-m", "train.cli", "--mix", "stable", "--config", cfg, "--run-dir", run,
                           "--max-steps", "3", "--set", "train.precision=bf16", "--set", "train.zero_stage=0"],
                          cwd=ROOT, env=_clean_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = _metrics(run)
    assert len(rows) == 3 and all(math.isfinite(r["loss"]) and r["grad_norm"] for r in rows)
    with open(os.path.join(run, "hf", "config.json")) as f:
        assert json.load(f)["dtype"] == "bfloat16"


@pytest.mark.slow
def test_zero3_offload(recipe):
    tmp, cfg = recipe
    run = str(tmp / "runs" / "zero3")
    proc = subprocess.run([sys.executable, "-m", "train.cli", "--mix", "long_cot", "--config", cfg, "--run-dir", run,
                           "--max-steps", "4", "--set", "train.zero_stage=3", "--set", "train.offload_optimizer=true",
                           "--set", "train.offload_params=true"],
                          cwd=ROOT, env=_clean_env(), capture_output=True, text=True, timeout=900)
    assert os.path.exists(os.path.join(run, "hf", "model.safetensors")), proc.stderr[-2000:]
    assert len(_metrics(run)) == 4
    from transformers import AutoModelForCausalLM

    AutoModelForCausalLM.from_pretrained(os.path.join(run, "hf"))


@pytest.mark.slow
def test_two_ranks_with_the_deepspeed_launcher(recipe):
    tmp, cfg = recipe
    run = str(tmp / "runs" / "two_ranks")
    bin_dir = os.path.dirname(sys.executable)
    launcher, script = os.path.join(bin_dir, "deepspeed"), os.path.join(bin_dir, "octo-train")
    if not (os.path.exists(launcher) and os.path.exists(script)):
        pytest.skip("the deepspeed launcher or the octo-train script is not installed beside this python")
    # the documented way: the launcher runs `octo-train` once per rank and appends --local_rank
    proc = subprocess.run([launcher, "--num_gpus", "2", "--master_port", "29731", script, "--mix", "stable",
                           "--config", cfg, "--run-dir", run, "--max-steps", "4"],
                          cwd=ROOT, env=_clean_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _metrics(run)
    assert len(rows) == 4 and rows[-1]["tokens"] == 4 * 2 * 4 * 64  # two ranks: twice the tokens per step
