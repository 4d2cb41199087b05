"""`octo-train --mix NAME`: Stable-then-Decay mid-training on a packed mix, on DeepSpeed.

    octo-train --mix stable                                   # constant LR after warmup
    octo-train --mix long_cot --init-from out/runs/stable     # a decay branch from the stable run
    deepspeed --num_gpus 8 $(which octo-train) --mix stable   # multi-GPU (multi-node: --hostfile)

Everything that can be wrong with the input — config, packed data, checkpoint to resume, model,
vocabulary — is checked before the first step and reported in one line (exit 2). The loop reads
top to bottom: each optimizer step takes `grad_accum` micro batches per rank from the blend, in
order; the data position is the number of sequences consumed, saved with every checkpoint along
with optimizer, LR schedule and RNG, so `--resume` continues bit for bit.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass

from curation.config import ConfigError, load_config
from train.engine import CHECKPOINTS
from train.model import EXPORT_DIR, ModelError, resolve_init_from
from train.usage import UsageError, UsageParser as _Parser
from train.packing import PackedDataError, PackedMix


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = _Parser(prog="octo-train --mix", description="Stable-then-Decay mid-training on a packed mix (DeepSpeed).")
    p.add_argument("--mix", required=True, help="a mix under `mixes:` packed in DIR/mixes/NAME")
    p.add_argument("--config", default="pipelines.yaml")
    p.add_argument("--data", help="output folder holding mixes/ and models/ (default: the YAML's output)")
    p.add_argument("--run-dir", help="where checkpoints, metrics.jsonl and exports go (default: <output>/runs/<mix>)")
    p.add_argument("--init-from", help="start from this run's export (RUN/hf), an HF model folder or id")
    p.add_argument("--max-steps", type=int, help="optimizer steps of the run (default: train.steps, else one pass over the mix)")
    p.add_argument("--stop-at", type=int, help="stop after this step with a checkpoint, as if preempted; --resume continues")
    p.add_argument("--resume", action="store_true", help="continue the run in --run-dir from its latest checkpoint")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="DOTTED.PATH=VALUE",
                   help="override a YAML field, e.g. --set train.lr=1e-4 (repeatable)")
    p.add_argument("--local_rank", "--local-rank", type=int, help=argparse.SUPPRESS)  # the deepspeed launcher's
    args = p.parse_args(argv)
    for flag in ("max_steps", "stop_at"):
        v = getattr(args, flag)
        if v is not None and v < 1:
            raise UsageError(f"--{flag.replace('_', '-')}: must be at least 1")
    return args


@dataclass
class RunPlan:
    """Everything decided before torch is imported."""

    mix: str
    phase: str
    output: str
    cfg: object  # TrainConfig
    data: PackedMix
    run_dir: str
    total_steps: int
    stop_at: int
    init_from: str | None
    resume_tag: str | None
    compat: dict


def plan_run(args) -> RunPlan:
    root = load_config(args.config, args.overrides)
    cfg = root.train
    output = args.data or root.output
    mix_dir = os.path.join(output, "mixes", args.mix)
    if args.mix not in root.mixes and not os.path.exists(os.path.join(mix_dir, "manifest.json")):
        known = ", ".join(root.mixes) or "none"
        raise UsageError(f"--mix {args.mix}: not a mix of {args.config} (mixes: {known}) and not packed in {output}/mixes")
    data = PackedMix(mix_dir, verify=cfg.verify_data)
    phase = root.mixes[args.mix].phase if args.mix in root.mixes else data.manifest.get("phase", "stable")
    world = int(os.environ.get("WORLD_SIZE", "1"))
    per_step = cfg.micro_batch_size * cfg.grad_accum * world
    if len(data) < per_step:
        raise UsageError(f"mix {args.mix}: {len(data)} sequences, fewer than one global batch ({per_step} = "
                         f"micro_batch_size {cfg.micro_batch_size} x grad_accum {cfg.grad_accum} x {world} ranks)")
    total = args.max_steps or cfg.steps or len(data) // per_step
    run_dir = args.run_dir or os.path.join(cfg.run_dir if os.path.isabs(cfg.run_dir) else os.path.join(output, cfg.run_dir), args.mix)
    ckpt_dir = os.path.join(run_dir, CHECKPOINTS)

    from train.engine import latest_checkpoint

    try:
        latest = latest_checkpoint(ckpt_dir)
    except (ValueError, OSError) as e:
        raise UsageError(str(e)) from None
    init_from = args.init_from
    if args.resume:
        if latest is None:
            raise UsageError(f"--resume: {run_dir} holds no checkpoint to resume")
        init_from = init_from or latest[1]["compat"].get("init_from")
    elif latest is not None:
        raise UsageError(f"{run_dir} already holds a run (checkpoint {latest[0]}); pass --resume to continue it "
                         f"or choose another --run-dir")
    if init_from:
        try:
            init_from = resolve_init_from(init_from)
        except ModelError as e:
            raise UsageError(str(e)) from None
    if phase == "decay" and not init_from and not cfg.model.name_or_path:
        print(f"octo-train: warning: mix {args.mix} is a decay branch but no --init-from was given; "
              f"decaying from a fresh model", file=sys.stderr)
    compat = {
        "mix": args.mix, "mix_fingerprint": data.manifest.get("fingerprint"), "phase": phase,
        "seq_len": data.seq_len, "world_size": world, "micro_batch_size": cfg.micro_batch_size,
        "grad_accum": cfg.grad_accum, "zero_stage": cfg.zero_stage, "precision": cfg.precision,
        "total_steps": total, "lr": cfg.lr, "warmup_steps": cfg.warmup_steps, "decay_shape": cfg.decay_shape,
        "final_lr_ratio": cfg.final_lr_ratio, "init_from": init_from,
        "model": cfg.model.model_dump(mode="json"), "seed": cfg.seed,
    }
    if args.resume:
        old = latest[1]["compat"]
        diff = [k for k in compat if json.dumps(old.get(k), sort_keys=True) != json.dumps(compat[k], sort_keys=True)]
        if diff:
            shown = "; ".join(f"{k}: checkpoint {old.get(k)!r}, now {compat[k]!r}" for k in diff[:4])
            raise UsageError(f"--resume: checkpoint {latest[0]} in {run_dir} is incompatible with this run ({shown})")
    stop_at = min(args.stop_at or total, total)
    return RunPlan(args.mix, phase, output, cfg, data, run_dir, total, stop_at, init_from,
                   latest[0] if args.resume else None, compat)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse_args(argv)
        plan = plan_run(args)
    except (ConfigError, UsageError, PackedDataError) as e:
        print(f"octo-train: {e}", file=sys.stderr)
        return 2
    return train(plan)


# ---------------------------------------------------------------------------------- training


class Progress:
    """A rich progress bar on rank 0 (stderr), plus a plain line every `every` steps."""

    def __init__(self, enabled: bool, total: int, start: int, title: str, every: int):
        self.enabled, self.every = enabled, every
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeRemainingColumn

        # 2 refreshes/s, and none without a terminal: the bar's thread must not take CPU from training
        console = Console(stderr=True)
        self.bar = RichProgress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeRemainingColumn(), TextColumn("{task.fields[info]}"), console=console,
                                transient=False, refresh_per_second=2, auto_refresh=console.is_terminal)
        self.task = self.bar.add_task(title, total=total, completed=start, info="")
        self.bar.start()

    def update(self, row: dict) -> None:
        if not self.enabled:
            return
        info = f"loss {row['loss']:.4f}  lr {row['lr']:.2e}  {row['tokens_per_s']:,.0f} tok/s"
        self.bar.update(self.task, completed=row["step"], info=info)
        if row["step"] % self.every == 0:
            self.bar.console.print(f"step {row['step']}: {info}  grad_norm {row['grad_norm'] or 0:.3f}  tokens {row['tokens']:,}")

    def close(self) -> None:
        if self.enabled:
            self.bar.stop()


def _keep_metrics_until(path: str, step: int) -> None:
    """A resumed run rewrites the steps after its checkpoint: drop their old rows."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        rows = [line for line in f if line.strip() and json.loads(line)["step"] <= step]
    with open(path, "w") as f:
        f.writelines(rows)


def train(plan: RunPlan) -> int:
    import numpy as np
    import torch
    import deepspeed.comm as dist

    from train.engine import build_engine, export_hf, gradient_norm, load_checkpoint, resolve_precision, save_checkpoint, setup_distributed
    from train.mix import resolve_tokenizer
    from train.model import embedding_rows, load_or_init_model
    from train.schedule import WSDMultiplier
    from train.tokenizer import TokenizerError, fingerprint, load_tokenizer

    cfg, data = plan.cfg, plan.data
    rank, world = setup_distributed()
    say = (lambda m: print(f"octo-train: {m}", file=sys.stderr, flush=True)) if rank == 0 else (lambda m: None)
    precision = resolve_precision(cfg.precision)
    manifest = data.manifest
    try:
        tokenizer = load_tokenizer(resolve_tokenizer(plan.output, manifest["tokenizer"]))
        if fingerprint(tokenizer) != manifest.get("tokenizer_fingerprint"):
            raise TokenizerError(f"tokenizer {manifest['tokenizer']!r} changed since mix {plan.mix} was packed; repack the mix")
        model, where = load_or_init_model(
            cfg.model, vocab_size=-(-manifest["vocab_size"] // 64) * 64, seq_len=data.seq_len, init_from=plan.init_from,
            dtype=precision, eos_id=manifest.get("eos_id"), pad_id=tokenizer.pad_token_id, seed=cfg.seed)
        if data.max_token_id >= embedding_rows(model):
            raise ModelError(f"mix {plan.mix} holds token id {data.max_token_id} but the model has {embedding_rows(model)} "
                             f"embeddings: pack the mix with the model's tokenizer (pipelines.mix.tokenizer)")
        _check_export_tokenizer(plan.init_from, manifest)
    except (TokenizerError, ModelError) as e:
        print(f"octo-train: {e}", file=sys.stderr)
        return 2

    schedule = WSDMultiplier(plan.total_steps, plan.phase, cfg.warmup_steps if plan.phase == "stable" else 0,
                             cfg.final_lr_ratio, cfg.decay_shape)
    engine = build_engine(model, cfg, schedule, precision)
    ckpt_dir = os.path.join(plan.run_dir, CHECKPOINTS)
    metrics_path = os.path.join(plan.run_dir, "metrics.jsonl")
    step, consumed = 0, 0
    if plan.resume_tag:
        state = load_checkpoint(engine, ckpt_dir, plan.resume_tag)
        step, consumed = state["step"], state["consumed"]
        if rank == 0:
            _keep_metrics_until(metrics_path, step)
        say(f"resumed {plan.run_dir} at step {step} ({consumed} sequences consumed)")
    if rank == 0:
        os.makedirs(plan.run_dir, exist_ok=True)
        with open(os.path.join(plan.run_dir, "run.json"), "w") as f:
            json.dump({"compat": plan.compat, "model": where, "precision": precision,
                       "deepspeed_zero_stage": cfg.zero_stage, "mix_sequences": len(data)}, f, indent=1)
    say(f"mix {plan.mix} ({plan.phase}): {len(data)} sequences of {data.seq_len}; model: {where}; "
        f"{precision}, ZeRO-{cfg.zero_stage}, {world} rank(s); steps {step}->{plan.stop_at} of {plan.total_steps}")

    micro, accum = cfg.micro_batch_size, cfg.grad_accum
    per_step = micro * accum * world
    tokens_per_step = per_step * data.seq_len
    progress = Progress(rank == 0, plan.total_steps, step, f"{plan.mix}", cfg.log_every)
    metrics = open(metrics_path, "a") if rank == 0 else None
    started, cpu_started = time.time(), time.process_time()  # cpu_s: this process's CPU seconds (rank 0)

    def state_now() -> dict:
        return {"step": step, "consumed": consumed, "tokens": step * tokens_per_step, "compat": plan.compat}

    engine.train()
    try:
        while step < plan.stop_at:
            t0 = time.perf_counter()
            lr = engine.get_lr()[0]
            losses = []
            norm = None
            for m in range(accum):
                start = consumed + (m * world + rank) * micro
                batch = torch.from_numpy(data.rows(start, micro)).to(engine.device)
                loss = engine(input_ids=batch, labels=batch).loss
                engine.backward(loss)
                if m == accum - 1 and cfg.zero_stage == 0 and precision == "fp32":
                    norm = gradient_norm(engine)  # DeepSpeed keeps none here: take it before step() clears grads
                engine.step()
                losses.append(loss.detach().float())
            mean_loss = torch.stack(losses).mean()
            if world > 1:
                dist.all_reduce(mean_loss)
                mean_loss = mean_loss / world
            if norm is None:
                norm = gradient_norm(engine)
            step += 1
            consumed += per_step
            elapsed = time.perf_counter() - t0
            row = {"step": step, "loss": float(mean_loss), "lr": lr, "tokens": step * tokens_per_step,
                   "tokens_per_s": tokens_per_step / elapsed, "grad_norm": norm, "epoch": consumed / len(data),
                   "time": round(time.time() - started, 6), "cpu_s": round(time.process_time() - cpu_started, 6)}
            if not np.isfinite(row["loss"]):
                say(f"step {step}: loss is {row['loss']}; stopping (last checkpoint kept)")
                return 1
            if metrics:
                metrics.write(json.dumps(row) + "\n")
                metrics.flush()
            progress.update(row)
            if step % cfg.save_every == 0 or step == plan.stop_at:
                save_checkpoint(engine, ckpt_dir, step, state_now(), cfg.keep_checkpoints)
            if cfg.export_every and step % cfg.export_every == 0 and step != plan.stop_at:
                export_hf(engine, os.path.join(plan.run_dir, f"hf-step{step:06d}"), tokenizer, _export_meta(plan, step))
    finally:
        progress.close()
        if metrics:
            metrics.close()
    out = export_hf(engine, os.path.join(plan.run_dir, EXPORT_DIR), tokenizer, _export_meta(plan, step))
    done = "complete" if step == plan.total_steps else f"stopped at step {step} of {plan.total_steps} (--resume continues)"
    say(f"{done}; checkpoint {ckpt_dir}, HF export {out}, metrics {metrics_path}")
    return 0


def _export_meta(plan: RunPlan, step: int) -> dict:
    return {"mix": plan.mix, "phase": plan.phase, "step": step, "total_steps": plan.total_steps,
            "complete": step == plan.total_steps, "init_from": plan.init_from,
            "tokenizer_fingerprint": plan.data.manifest.get("tokenizer_fingerprint"),
            "mix_fingerprint": plan.data.manifest.get("fingerprint")}


def _check_export_tokenizer(init_from: str | None, manifest: dict) -> None:
    """A model exported by octo-train records its tokenizer: a decay mix packed with another one
    would feed it token ids that mean different things."""
    if not init_from or not os.path.isdir(init_from):
        return
    meta_path = os.path.join(init_from, "octo_export.json")
    if not os.path.exists(meta_path):
        return
    with open(meta_path) as f:
        meta = json.load(f)
    if meta.get("tokenizer_fingerprint") and meta["tokenizer_fingerprint"] != manifest.get("tokenizer_fingerprint"):
        raise ModelError(f"--init-from {init_from} was trained with another tokenizer than mix {manifest.get('mix')} was packed with")


if __name__ == "__main__":
    sys.exit(main())
