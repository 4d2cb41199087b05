"""GRPO rollout+update samples/s: `octo-train rl` vs TRL's GRPOTrainer, same model, prompts, G,
lengths and loss, on CPU.

    python benchmarks/bench_grpo.py [--steps 6] [--prompts 8] [--g 8] [--max-len 32] [--repeats 2]

The fixture (made here, offline): a byte-level BPE trained on the toy task's worked examples
(train.qa_synth style "toy") and a tiny Llama with random weights (hidden 64, 2 layers), saved
as one HF folder both sides load. Each step of each side: `prompts` toy prompts x G samples at
temperature 1.0 up to `max-len` new tokens, +1/-1 rewards from train.answers, token-mean loss
(TRL: loss_type "dapo") with eps 0.2 / 0.28, no KL (beta 0), one optimizer step per rollout
batch, AdamW. Each side runs in its own process with one torch thread; the first step of each
run (warm-up) is not timed. Runs alternate ours/TRL so a change in the machine's load hits both.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

TEMPLATE = "Question: {question}\nAnswer:"


def make_fixture(folder: str, seed: int = 0) -> str:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from train.qa_synth import generate_qa
    from train.tokenizer import train_bpe

    examples = generate_qa(4000, 0, "toy")
    tok = train_bpe([TEMPLATE.replace("{question}", e.question) + " " + e.answer for e in examples], 1024)
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=-(-len(tok) // 64) * 64, hidden_size=64, intermediate_size=256, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=256,
                      eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=None, tie_word_embeddings=True)
    model = LlamaForCausalLM(cfg)
    path = os.path.join(folder, "model")
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path


# ------------------------------------------------------------------------------------- ours


def run_ours(model: str, work: str, args) -> list[float]:
    """Per-step seconds of `octo-train rl` (from its metrics.jsonl)."""
    out = os.path.join(work, f"ours-{time.time_ns()}")
    config = os.path.join(work, "ours.yaml")
    rl = {
        "model": model, "steps": args.steps, "seed": 0,
        "data": {"source": "toy", "toy_n": 1000, "toy_seed": 1},
        "prompt": {"template": "qa", "stop": []},
        "rollout": {"prompts_per_step": args.prompts, "samples_per_prompt": args.g, "temperature": 1.0,
                    "max_response_len": args.max_len, "batch_size": args.prompts * args.g},
        "algorithm": {"advantage": "grpo", "loss_agg": "token-mean", "clip_low": 0.2, "clip_high": 0.28},
        "optim": {"lr": 1e-5, "weight_decay": 0.0},
        "precision": "fp32", "zero_stage": 0, "reward_workers": 1, "save_every": 10_000,
    }
    with open(config, "w") as f:
        json.dump({"output": out, "rl": rl}, f)  # JSON is YAML
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=ROOT)
    subprocess.run([sys.executable, "-m", "train.cli", "rl", "--config", config], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with open(os.path.join(out, "runs", "rl", "metrics.jsonl")) as f:
        rows = [json.loads(line) for line in f]
    return [r["time_step"] for r in rows]


# ------------------------------------------------------------------------------------- TRL


def trl_main(model: str, out_json: str, steps: int, prompts: int, g: int, max_len: int) -> None:
    """Runs in a child process: TRL's GRPOTrainer on the same model and prompts."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from train.answers import check_answer
    from train.rl_data import toy_problems

    torch.set_num_threads(1)
    problems = toy_problems(1000, 1)
    data = Dataset.from_list([{"prompt": TEMPLATE.replace("{question}", p.question), "gold": p.gold} for p in problems])

    def math_reward(prompts, completions, gold, **_):
        return [1.0 if check_answer(c, g_, "number").correct else -1.0 for c, g_ in zip(completions, gold)]

    times: list[float] = []

    class StepTimer(TrainerCallback):
        def on_step_begin(self, *a, **k):
            self.t0 = time.perf_counter()

        def on_step_end(self, *a, **k):
            times.append(time.perf_counter() - self.t0)

    tok = AutoTokenizer.from_pretrained(model)
    cfg = GRPOConfig(
        output_dir=os.path.join(os.path.dirname(out_json), "trl_out"), per_device_train_batch_size=prompts * g,
        num_generations=g, max_completion_length=max_len, gradient_accumulation_steps=1, num_iterations=1,
        learning_rate=1e-5, weight_decay=0.0, beta=0.0, epsilon=0.2, epsilon_high=0.28, loss_type="dapo",
        temperature=1.0, top_p=1.0, max_steps=steps, logging_steps=1, report_to=[], save_strategy="no",
        use_cpu=True, bf16=False, seed=0, dataloader_num_workers=0, disable_dropout=True,
    )
    trainer = GRPOTrainer(model=AutoModelForCausalLM.from_pretrained(model), reward_funcs=math_reward, args=cfg,
                          train_dataset=data, processing_class=tok, callbacks=[StepTimer()])
    trainer.train()
    with open(out_json, "w") as f:
        json.dump(times, f)


def run_trl(model: str, work: str, args) -> list[float]:
    out = os.path.join(work, f"trl-{time.time_ns()}.json")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=ROOT)
    subprocess.run([sys.executable, os.path.abspath(__file__), "--trl-child", model, out, str(args.steps), str(args.prompts),
                    str(args.g), str(args.max_len)], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    with open(out) as f:
        return json.load(f)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--trl-child":
        model, out, steps, prompts, g, max_len = sys.argv[2:8]
        trl_main(model, out, int(steps), int(prompts), int(g), int(max_len))
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--prompts", type=int, default=8)
    p.add_argument("--g", type=int, default=8)
    p.add_argument("--max-len", type=int, default=32)
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()
    samples = args.prompts * args.g
    with tempfile.TemporaryDirectory(prefix="bench_grpo_") as work:
        model = make_fixture(work)
        ours, trl = [], []
        for r in range(args.repeats):
            for name, fn, acc in (("octo", run_ours, ours), ("trl", run_trl, trl)):
                try:
                    times = fn(model, work, args)
                except subprocess.CalledProcessError as e:
                    sys.exit(f"{name} failed:\n{e.stderr.decode(errors='replace')[-3000:]}")
                timed = times[1:]  # the first step warms up
                acc += timed
                print(f"run {r + 1} {name:4s}: {samples * len(timed) / sum(timed):7.1f} samples/s "
                      f"(median step {statistics.median(timed):.2f}s over {len(timed)} steps)", flush=True)
    ours_sps = samples / statistics.median(ours)
    trl_sps = samples / statistics.median(trl)
    print(f"\nper step: {args.prompts} prompts x G={args.g}, up to {args.max_len} new tokens, token-mean loss, 1 update")
    print(f"octo-train rl: {ours_sps:.1f} samples/s   TRL GRPOTrainer: {trl_sps:.1f} samples/s   "
          f"ratio {ours_sps / trl_sps:.2f}x")


if __name__ == "__main__":
    main()
