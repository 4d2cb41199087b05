"""Tokens/s of `octo-train --mix` vs the HF Trainer: same DeepSpeed config, model, data, batch.

    python benchmarks/bench_train.py                 # CPU: small Llama (4 x 128), fp32, ZeRO-2, seq 256
    python benchmarks/bench_train.py --tiny          # CPU: the committed recipe's model (2 x 64), seq 128
    python benchmarks/bench_train.py --gpu           # GPU: Llama-3.2-1B shape, bf16, ZeRO-2, seq 4096, + MFU

Ours: `octo-train --mix bench` (train/midtrain.py), its per-step rows in metrics.jsonl.
Anchor: `transformers.Trainer` given the DeepSpeed JSON our engine builds (train/engine.py
`deepspeed_config`), the same randomly initialised Llama (same seed), the same packed sequences
(train/packing.py PackedMix, blend order), micro batch and gradient accumulation; step times from
a TrainerCallback. Each side runs in its own process; on CPU both are pinned to one core with one
thread, alternating `--repeats` times; a run's rate is that of its median step after `--warmup`
steps, in wall time and in the process's CPU time (robust to other jobs on a shared machine).
Reported: tokens/s (median and best over repeats) and ours / anchor.

CPU data: the mix pipeline on generated word problems (our BPE tokenizer). GPU data: random token
ids over Llama-3's 128,256-id vocabulary with a synthetic word-level tokenizer of that size (the
machine is offline; throughput does not depend on which ids they are).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
WORK = os.path.join(ROOT, "benchmarks", "_work", "train")
DIST_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")

CPU_SETUP = dict(seq_len=256, micro=8, accum=2, precision="fp32", zero=2,
                 model=dict(hidden_size=128, intermediate_size=512, num_hidden_layers=4, num_attention_heads=4,
                            num_key_value_heads=4))
# The committed recipe's CPU model (pipelines.yaml train:), where per-step overhead shows most.
TINY_SETUP = dict(seq_len=128, micro=8, accum=1, precision="fp32", zero=2,
                  model=dict(hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
                             num_key_value_heads=4))
GPU_SETUP = dict(seq_len=4096, micro=2, accum=4, precision="bf16", zero=2,  # Llama-3.2-1B's shape
                 model=dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                            num_key_value_heads=8, rope_theta=500000.0, tie_word_embeddings=True, vocab_size=128256))
PEAK_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L40S": 362.0}  # dense bf16


def write_yaml(path: str, out: str, setup: dict, steps: int, tokenizer: str = "models/tokenizer") -> None:
    import yaml

    cfg = {
        "output": out,
        "executor": {"type": "local", "tasks": 1, "workers": 1},
        "pipelines": {"mix": {"tokenizer": {"name_or_path": tokenizer, "vocab_size": 4096}, "seq_len": setup["seq_len"]}},
        "mixes": {"bench": {"phase": "stable", "sources": [
            {"name": "qa_short", "generate": {"style": "short", "n": 6000, "seed": 1}, "template": "qa", "weight": 0.6},
            {"name": "qa_long", "generate": {"style": "long", "n": 2000, "seed": 2}, "template": "qa", "weight": 0.4},
        ]}},
        "train": {
            "model": {"init": setup["model"], "attn_implementation": "sdpa"},
            "precision": setup["precision"], "zero_stage": setup["zero"], "micro_batch_size": setup["micro"],
            "grad_accum": setup["accum"], "lr": 3e-4, "warmup_steps": 0, "save_every": 10 ** 6, "log_every": 10 ** 6,
            "steps": steps, "verify_data": "size",
        },
    }
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f, sort_keys=False)


def prepare_cpu(work: str, steps: int, setup: dict) -> str:
    """The real mix pipeline on generated word problems (tokenizer trained by our code)."""
    from curation.cli import main as curate

    cfg = os.path.join(work, "bench.yaml")
    write_yaml(cfg, os.path.join(work, "out"), setup, steps)
    if not os.path.exists(os.path.join(work, "out", "mixes", "bench", "manifest.json")):
        if curate(["run", cfg, "--force"]) != 0:
            sys.exit("bench_train: packing the benchmark mix failed")
    return cfg


def prepare_gpu(work: str, steps: int) -> str:
    """Random ids over a 128,256-id vocabulary, packed with our packer and blended as a mix."""
    import numpy as np
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from train.packing import SequencePacker, write_blend
    from train.tokenizer import fingerprint

    setup, vocab = GPU_SETUP, GPU_SETUP["model"]["vocab_size"]
    out = os.path.join(work, "out_gpu")
    tok_dir = os.path.join(out, "models", "tokenizer")
    cfg = os.path.join(work, "bench_gpu.yaml")
    write_yaml(cfg, out, setup, steps, tokenizer=tok_dir)
    if os.path.exists(os.path.join(out, "mixes", "bench", "manifest.json")):
        return cfg
    words = {f"w{i}": i for i in range(vocab - 1)}
    words["<|end_of_text|>"] = vocab - 1
    tok = PreTrainedTokenizerFast(tokenizer_object=_word_level(Tokenizer, models, pre_tokenizers, words),
                                  eos_token="<|end_of_text|>", pad_token="<|end_of_text|>")
    tok.save_pretrained(tok_dir)
    n_seq = steps * setup["micro"] * setup["accum"] + 64
    mix = os.path.join(out, "mixes", "bench")
    packer = SequencePacker(os.path.join(mix, "sources", "random", "00000.bin"), setup["seq_len"], np.uint32)
    rng = np.random.default_rng(0)
    for _ in range(n_seq):
        packer.add(rng.integers(0, vocab - 1, setup["seq_len"]))
    unit = packer.close()
    unit.update(docs=n_seq, dropped=0)
    manifest = {"mix": "bench", "phase": "stable", "seq_len": setup["seq_len"], "dtype": "uint32", "vocab_size": vocab,
                "eos_id": vocab - 1, "tokenizer": os.path.abspath(tok_dir), "tokenizer_fingerprint": fingerprint(tok),
                "sources": [{"name": "random", "weight": 1.0, "units": [unit], "sequences": n_seq}]}
    write_blend(mix, manifest, [1.0], [n_seq], n_seq, seed=0, shuffle=False)
    return cfg


def _word_level(Tokenizer, models, pre_tokenizers, words):
    t = Tokenizer(models.WordLevel(vocab=words, unk_token="<|end_of_text|>"))
    t.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return t


def _env(gpu: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in DIST_ENV}
    if not gpu:
        env["OMP_NUM_THREADS"] = "1"
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _pin(core: int | None):
    return (lambda: os.sched_setaffinity(0, {core})) if core is not None else None


def steady_tokens_per_s(times: list[float], tokens_per_step: int, warmup: int) -> float:
    """Tokens per second of the median step after `warmup` (`times`: a clock at each step's end).
    The median, not the mean: on a shared machine a few steps stall on other jobs."""
    steps = [b - a for a, b in zip(times[warmup - 1:], times[warmup:])]
    return tokens_per_step / statistics.median(steps)


def run_ours(cfg: str, run_dir: str, gpu: bool, core: int | None, warmup: int) -> float:
    import shutil

    shutil.rmtree(run_dir, ignore_errors=True)
    proc = subprocess.run([sys.executable, "-m", "train.cli", "--mix", "bench", "--config", cfg, "--run-dir", run_dir],
                          cwd=ROOT, env=_env(gpu), capture_output=True, text=True, preexec_fn=_pin(core))
    if proc.returncode != 0:
        sys.exit(f"bench_train: octo-train failed:\n{proc.stderr[-3000:]}")
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        rows = [json.loads(line) for line in f]
    per_step = rows[0]["tokens"]
    return (steady_tokens_per_s([r["time"] for r in rows], per_step, warmup),
            steady_tokens_per_s([r["cpu_s"] for r in rows], per_step, warmup))


def run_anchor(cfg: str, run_dir: str, gpu: bool, core: int | None, warmup: int) -> float:
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--hf-worker", cfg, "--run-dir", run_dir],
                          cwd=ROOT, env=_env(gpu), capture_output=True, text=True, preexec_fn=_pin(core))
    if proc.returncode != 0:
        sys.exit(f"bench_train: HF Trainer run failed:\n{proc.stderr[-3000:]}")
    with open(os.path.join(run_dir, "hf_steps.json")) as f:
        result = json.load(f)
    return (steady_tokens_per_s(result["times"], result["tokens_per_step"], warmup),
            steady_tokens_per_s(result["cpu"], result["tokens_per_step"], warmup))


def hf_worker(cfg_path: str, run_dir: str) -> None:
    """The anchor: transformers.Trainer with our DeepSpeed JSON, model init and sequences."""
    from train.engine import _free_port

    # one process as the deepspeed launcher would start it (Trainer's DeepSpeed path needs the env)
    os.environ.update(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()))
    import torch
    from transformers import Trainer, TrainerCallback, TrainingArguments

    from curation.config import load_config
    from train.engine import deepspeed_config, resolve_precision
    from train.model import load_or_init_model
    from train.packing import PackedMix

    root = load_config(cfg_path)
    cfg = root.train
    data = PackedMix(os.path.join(root.output, "mixes", "bench"), verify="size")
    precision = resolve_precision(cfg.precision)
    model, _ = load_or_init_model(cfg.model, vocab_size=-(-data.manifest["vocab_size"] // 64) * 64, seq_len=data.seq_len,
                                  dtype=precision, eos_id=data.manifest["eos_id"], seed=cfg.seed)

    class Sequences(torch.utils.data.Dataset):
        def __len__(self):
            return len(data)

        def __getitem__(self, i):
            ids = torch.from_numpy(data.rows(i, 1)[0])
            return {"input_ids": ids, "labels": ids}

    times: list[float] = []
    cpu: list[float] = []

    class StepTimes(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            times.append(time.perf_counter())
            cpu.append(time.process_time())

    args = TrainingArguments(
        output_dir=run_dir, per_device_train_batch_size=cfg.micro_batch_size, gradient_accumulation_steps=cfg.grad_accum,
        max_steps=cfg.steps, learning_rate=cfg.lr, weight_decay=cfg.weight_decay, adam_beta1=cfg.betas[0],
        adam_beta2=cfg.betas[1], adam_epsilon=cfg.eps, max_grad_norm=cfg.grad_clip, lr_scheduler_type="constant",
        bf16=precision == "bf16", deepspeed=deepspeed_config(cfg, precision), logging_steps=10 ** 6, save_strategy="no",
        report_to=[], dataloader_num_workers=0, disable_tqdm=True, seed=cfg.seed,
    )
    Trainer(model=model, args=args, train_dataset=Sequences(), callbacks=[StepTimes()]).train()
    os.makedirs(run_dir, exist_ok=True)
    with open(os.path.join(run_dir, "hf_steps.json"), "w") as f:
        json.dump({"times": times, "cpu": cpu, "tokens_per_step": cfg.micro_batch_size * cfg.grad_accum * data.seq_len}, f)


def model_flops_per_token(setup: dict, n_params: float) -> float:
    """6N for the weights (forward + backward) + 12·layers·d_model·seq for attention (PaLM's count)."""
    m = setup["model"]
    return 6 * n_params + 12 * m["num_hidden_layers"] * m["hidden_size"] * setup["seq_len"]


def llama_params(setup: dict) -> float:
    m = setup["model"]
    d, f, layers, heads, kv = m["hidden_size"], m["intermediate_size"], m["num_hidden_layers"], m["num_attention_heads"], m["num_key_value_heads"]
    kv_dim = d // heads * kv
    per_layer = d * d * 2 + d * kv_dim * 2 + 3 * d * f + 2 * d
    emb = m["vocab_size"] * d * (1 if m.get("tie_word_embeddings") else 2)
    return layers * per_layer + emb + d


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gpu", action="store_true", help="Llama-3.2-1B shape, bf16, seq 4096 on the GPU; prints MFU")
    p.add_argument("--tiny", action="store_true", help="CPU: the committed recipe's 2-layer x 64 model, seq 128")
    p.add_argument("--steps", type=int, help="optimizer steps per run (default: 40 CPU, 30 GPU)")
    p.add_argument("--warmup", type=int, default=5, help="steps left out of the steady-state rate")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--core", type=int, default=0, help="CPU core both sides are pinned to (CPU runs)")
    p.add_argument("--peak-tflops", type=float, help="device peak bf16 TFLOPS for MFU (default: by GPU name)")
    p.add_argument("--hf-worker", metavar="CONFIG", help=argparse.SUPPRESS)
    p.add_argument("--run-dir", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.hf_worker:
        hf_worker(args.hf_worker, args.run_dir)
        return 0
    steps = args.steps or (30 if args.gpu else 40)
    if steps <= args.warmup + 1:
        p.error("--steps must exceed --warmup + 1")
    work = WORK + ("_gpu" if args.gpu else "_tiny" if args.tiny else "")
    os.makedirs(work, exist_ok=True)
    setup = GPU_SETUP if args.gpu else TINY_SETUP if args.tiny else CPU_SETUP
    cfg = prepare_gpu(work, steps) if args.gpu else prepare_cpu(work, steps, setup)
    core = None if args.gpu else args.core
    ours, anchor = [], []  # (wall tokens/s, tokens per CPU second) per repeat
    for r in range(args.repeats):  # alternate, so both sides see the same machine conditions
        ours.append(run_ours(cfg, os.path.join(work, f"ours_{r}"), args.gpu, core, args.warmup))
        anchor.append(run_anchor(cfg, os.path.join(work, f"hf_{r}"), args.gpu, core, args.warmup))
        print(f"repeat {r + 1}: octo-train {ours[-1][0]:,.0f} tok/s ({ours[-1][1]:,.0f} per CPU s), "
              f"HF Trainer {anchor[-1][0]:,.0f} tok/s ({anchor[-1][1]:,.0f} per CPU s)", flush=True)
    m = setup["model"]
    print(f"\nmodel: Llama {m['num_hidden_layers']} layers x {m['hidden_size']}, {setup['precision']}, ZeRO-{setup['zero']}, "
          f"seq {setup['seq_len']}, micro batch {setup['micro']} x accum {setup['accum']}, {steps} steps ({args.warmup} warmup), "
          f"{'GPU' if args.gpu else f'CPU core {core}, 1 thread'}")
    for i, unit in enumerate(("tok/s (wall)", "tok per CPU s")):
        o, a = [x[i] for x in ours], [x[i] for x in anchor]
        print(f"{unit:>14}: octo-train median {statistics.median(o):,.0f} best {max(o):,.0f} | HF Trainer median "
              f"{statistics.median(a):,.0f} best {max(a):,.0f} | ratio median {statistics.median(o) / statistics.median(a):.2f}x "
              f"best {max(o) / max(a):.2f}x")
    med_o, med_a = statistics.median(x[0] for x in ours), statistics.median(x[0] for x in anchor)
    if args.gpu:
        import torch

        name = torch.cuda.get_device_name(0)
        peak = args.peak_tflops or next((v for k, v in PEAK_TFLOPS.items() if k in name), None)
        n = llama_params(setup)
        if peak:
            for label, rate in (("octo-train", med_o), ("HF Trainer", med_a)):
                print(f"MFU {label}: {rate * model_flops_per_token(setup, n) / (peak * 1e12):.1%} of {peak:.0f} TFLOPS ({name}, {n / 1e9:.2f}B params)")
        else:
            print(f"MFU: unknown peak for {name}; pass --peak-tflops")
    return 0


if __name__ == "__main__":
    sys.exit(main())
