"""`octo-train rl`: GRPO with a rule-based math reward, on DeepSpeed (OctoThinker's RL stage).

    octo-train rl                                       # the YAML's `rl:` section
    octo-train rl --init-from out/runs/long_cot --max-steps 300
    octo-train rl --resume                              # continue from the latest checkpoint
    deepspeed --num_gpus 8 $(which octo-train) rl       # several ranks, prompts split among them

One step: draw `prompts_per_step` prompts, sample G responses each (transformers or vLLM),
score them (+1/-1 via train.answers, plus overlong shaping), optionally keep only the groups
whose rewards differ (dynamic sampling), turn rewards into per-group advantages (GRPO or Dr.
GRPO), then `epochs` x `mini_batches` optimizer steps on the clipped surrogate with the old
log-probs held fixed (train/grpo_loss.py). The max response length follows the stair schedule.

Resume is bit-exact: a step's sampling is seeded by (seed, step, round, rank), the prompt order
by (seed, epoch), so a checkpoint needs only the weights, optimizer, LR schedule, RNG and the
prompt cursor.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from dataclasses import dataclass

from curation.config import ConfigError, load_config
from train.engine import CHECKPOINTS
from train.model import EXPORT_DIR, ModelError, resolve_init_from
from train.usage import UsageError, UsageParser as _Parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = _Parser(prog="octo-train rl", description="GRPO with a rule-based math reward (DeepSpeed).")
    p.add_argument("--config", default="pipelines.yaml")
    p.add_argument("--data", help="output folder the YAML's relative paths live in (default: the YAML's output)")
    p.add_argument("--run-dir", help="checkpoints, metrics.jsonl and the HF export (default: <output>/<rl.run_dir>)")
    p.add_argument("--init-from", help="initial policy: a run folder (its hf/ export), an HF model folder or id")
    p.add_argument("--max-steps", type=int, help="GRPO steps of the run (default: rl.steps)")
    p.add_argument("--stop-at", type=int, help="stop after this step with a checkpoint, as if preempted; --resume continues")
    p.add_argument("--resume", action="store_true", help="continue the run in --run-dir from its latest checkpoint")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="DOTTED.PATH=VALUE",
                   help="override a YAML field, e.g. --set rl.rollout.samples_per_prompt=8 (repeatable)")
    p.add_argument("--local_rank", "--local-rank", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for flag in ("max_steps", "stop_at"):
        v = getattr(args, flag)
        if v is not None and v < 1:
            raise UsageError(f"--{flag.replace('_', '-')}: must be at least 1")
    return args


# Fields that may change between a checkpoint and its --resume (they do not change the math).
_RESUME_FREE = ("steps", "eval", "save_every", "keep_checkpoints", "log_every", "reward_workers", "reward_timeout_s")


@dataclass
class RLPlan:
    """Everything decided before torch is imported."""

    cfg: object  # RLConfig
    output: str
    run_dir: str
    init_from: str
    tokenizer: str | None
    total_steps: int
    stop_at: int
    resume_tag: str | None
    start_state: dict | None
    compat: dict


def _under(output: str, path: str) -> str:
    """A path as given when it exists, else under the output folder (the YAML's convention)."""
    if os.path.isabs(path) or os.path.exists(path):
        return path
    inside = os.path.join(output, path)
    return inside if os.path.exists(inside) else path


def plan_run(args) -> RLPlan:
    root = load_config(args.config, args.overrides)
    if root.rl is None:
        raise UsageError(f"{args.config}: no `rl:` section")
    cfg = root.rl
    output = args.data or root.output
    if cfg.zero_stage == 3:
        raise UsageError("rl.zero_stage: 3 is not supported (rollouts need whole weights); use 0, 1 or 2")
    total = args.max_steps or cfg.steps
    run_dir = args.run_dir or (cfg.run_dir if os.path.isabs(cfg.run_dir) else os.path.join(output, cfg.run_dir))
    from train.engine import latest_checkpoint

    try:
        latest = latest_checkpoint(os.path.join(run_dir, CHECKPOINTS))
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
    init_from = init_from or cfg.model
    if not init_from:
        raise UsageError("no initial policy: set rl.model or pass --init-from")
    try:
        init_from = resolve_init_from(_under(output, init_from))
    except ModelError as e:
        raise UsageError(str(e)) from None
    if cfg.rollout.backend == "vllm":
        import importlib.util

        if importlib.util.find_spec("vllm") is None:
            raise UsageError("rl.rollout.backend: vllm is not installed (pip install -e '.[vllm]'), or use transformers")
    rl_dump = cfg.model_dump(mode="json")
    compat = {"rl": {k: v for k, v in rl_dump.items() if k not in _RESUME_FREE}, "init_from": init_from,
              "total_steps": total, "world_size": int(os.environ.get("WORLD_SIZE", "1"))}
    if args.resume:
        old = latest[1]["compat"]
        diff = [k for k in compat if json.dumps(old.get(k), sort_keys=True) != json.dumps(compat[k], sort_keys=True)]
        if diff:
            if "rl" in diff:
                changed = [k for k in compat["rl"] if json.dumps(old.get("rl", {}).get(k), sort_keys=True) != json.dumps(compat["rl"][k], sort_keys=True)]
                diff = [d for d in diff if d != "rl"] + [f"rl.{k}" for k in changed]
            raise UsageError(f"--resume: checkpoint {latest[0]} in {run_dir} is incompatible with this run "
                             f"(changed: {', '.join(diff[:6])})")
    tokenizer = _under(output, cfg.tokenizer) if cfg.tokenizer else None
    stop_at = min(args.stop_at or total, total)
    return RLPlan(cfg, output, run_dir, init_from, tokenizer, total, stop_at,
                  latest[0] if args.resume else None, latest[1] if args.resume else None, compat)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse_args(argv)
        plan = plan_run(args)
    except (ConfigError, UsageError) as e:
        print(f"octo-train rl: {e}", file=sys.stderr)
        return 2
    except SystemExit as e:  # --help
        return int(e.code or 0)
    from train.rl_data import RLDataError
    from train.rollout import RolloutError
    from train.tokenizer import TokenizerError

    try:
        return train(plan)
    except (RLDataError, RolloutError, TokenizerError, ModelError, UsageError) as e:
        print(f"octo-train rl: {e}", file=sys.stderr)
        return 2


# ---------------------------------------------------------------------------------- the loop


def train(plan: RLPlan) -> int:
    from train.answers import AnswerChecker
    from train.engine import build_engine, export_hf, load_checkpoint, resolve_precision, save_checkpoint, setup_distributed
    from train.rl_data import PromptSampler
    from train.schedule import WSDMultiplier

    cfg = plan.cfg
    rank, world = setup_distributed()
    say = (lambda m: print(f"octo-train rl: {m}", file=sys.stderr, flush=True)) if rank == 0 else (lambda m: None)
    precision = resolve_precision(cfg.precision)
    policy, tokenizer = load_policy(plan, precision)
    d, e = cfg.data, cfg.eval
    problems, prompts, stop = load_prompts(cfg, plan.output, tokenizer, d.source, d.format, d.limit, d.toy_n, d.toy_seed, d.split)
    eval_set = load_prompts(cfg, plan.output, tokenizer, e.source, e.format, e.n, e.n, e.toy_seed, "test") if e.every else None
    reference = frozen_copy(policy) if cfg.algorithm.kl_coef > 0 else None
    engine = build_engine(policy, engine_config(cfg, precision), WSDMultiplier(plan.total_steps, "stable", cfg.optim.warmup_steps, 1.0, "linear"), precision)
    if reference is not None:
        reference.to(engine.device)
    sampler = PromptSampler(len(problems), cfg.seed, cfg.data.shuffle)
    ckpt_dir = os.path.join(plan.run_dir, CHECKPOINTS)
    metrics_path = os.path.join(plan.run_dir, "metrics.jsonl")
    step = 0
    if plan.resume_tag:
        state = load_checkpoint(engine, ckpt_dir, plan.resume_tag)
        step, sampler.cursor = state["step"], state["cursor"]
        say(f"resumed {plan.run_dir} at step {step}")
    if rank == 0:  # rows after the checkpoint (or of a run that never saved one) are redone
        for name in ("metrics.jsonl", "eval.jsonl"):
            _keep_metrics_until(os.path.join(plan.run_dir, name), step if plan.resume_tag else -1)
    backend = make_backend(cfg, engine, tokenizer, plan.init_from)
    if rank == 0:
        os.makedirs(plan.run_dir, exist_ok=True)
        with open(os.path.join(plan.run_dir, "run.json"), "w") as f:
            json.dump({"compat": plan.compat, "precision": precision, "prompts": len(problems)}, f, indent=1)
    say(f"{len(problems)} prompts, G={cfg.rollout.samples_per_prompt}, {cfg.rollout.prompts_per_step} prompts/step; "
        f"policy {plan.init_from}; {precision}, ZeRO-{cfg.zero_stage}, {world} rank(s); steps {step}->{plan.stop_at} of {plan.total_steps}")

    trainer = GRPOStep(cfg, engine, backend, tokenizer, reference, rank, world)
    checker = AnswerChecker(workers=cfg.reward_workers or min(4, os.cpu_count() or 1), timeout_s=cfg.reward_timeout_s)
    metrics = open(metrics_path, "a") if rank == 0 else None
    try:
        if eval_set is not None and step == 0:
            row = {"step": 0, **trainer.evaluate(*eval_set, 0, checker)}
            if rank == 0:
                _append_eval(plan.run_dir, row)
            say(f"step 0  eval {row['eval_accuracy']:.3f}")
        while step < plan.stop_at:
            row = trainer.run(step, sampler, problems, prompts, stop, checker)
            step += 1
            row["step"] = step
            if eval_set is not None and (step % cfg.eval.every == 0 or step == plan.stop_at):
                row.update(trainer.evaluate(*eval_set, step, checker))
                if rank == 0:
                    _append_eval(plan.run_dir, {k: row[k] for k in ("step", "eval_accuracy", "eval_n", "time_eval")})
            if metrics:
                metrics.write(json.dumps(row) + "\n")
                metrics.flush()
            if step % cfg.log_every == 0 or step == plan.stop_at:
                say(progress_line(row))
            if row["pg_loss"] is not None and not math.isfinite(row["pg_loss"]):
                say(f"step {step}: loss is not finite; stopping (last checkpoint kept)")
                return 1
            if step % cfg.save_every == 0 or step == plan.stop_at:
                save_checkpoint(engine, ckpt_dir, step, {"step": step, "cursor": sampler.cursor, "compat": plan.compat}, cfg.keep_checkpoints)
    finally:
        checker.close()
        if metrics:
            metrics.close()
    out = export_hf(engine, os.path.join(plan.run_dir, EXPORT_DIR), tokenizer,
                    {"rl_step": step, "total_steps": plan.total_steps, "complete": step == plan.total_steps, "init_from": plan.init_from})
    done = "complete" if step == plan.total_steps else f"stopped at step {step} of {plan.total_steps} (--resume continues)"
    say(f"{done}; checkpoint {ckpt_dir}, HF export {out}, metrics {metrics_path}")
    return 0


def progress_line(row: dict) -> str:
    parts = [f"step {row['step']}", f"reward {row['reward_mean']:+.3f}", f"acc {row['accuracy']:.3f}",
             f"len {row['response_len_mean']:.1f}", f"trunc {row['truncation_rate']:.2f}"]
    if row.get("eval_accuracy") is not None:
        parts.append(f"eval {row['eval_accuracy']:.3f}")
    parts.append(f"{row['time_step']:.2f}s")
    return "  ".join(parts)


def _append_eval(run_dir: str, row: dict) -> None:
    """eval.jsonl: one row per evaluation, step 0 (before any update) included."""
    with open(os.path.join(run_dir, "eval.jsonl"), "a") as f:
        f.write(json.dumps(row) + "\n")


def _keep_metrics_until(path: str, step: int) -> None:
    """A resumed run rewrites the steps after its checkpoint: drop their old rows."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        rows = [line for line in f if line.strip() and json.loads(line)["step"] <= step]
    with open(path, "w") as f:
        f.writelines(rows)


# ---------------------------------------------------------------------------------- setup


def load_policy(plan: RLPlan, precision: str):
    from train.config import ModelConfig
    from train.model import load_or_init_model
    from train.tokenizer import load_tokenizer

    tokenizer = load_tokenizer(plan.tokenizer or plan.init_from)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model, _ = load_or_init_model(ModelConfig(name_or_path=plan.init_from), vocab_size=len(tokenizer), seq_len=0,
                                  dtype=precision, seed=plan.cfg.seed)
    return model, tokenizer


def frozen_copy(model):
    import copy

    ref = copy.deepcopy(model)
    ref.eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    return ref


def engine_config(cfg, precision: str):
    """The TrainConfig that train.engine.build_engine reads, from `rl:`. The caller owns the
    accumulation boundary (a rollout batch holds however many micro-batches it holds)."""
    from train.config import TrainConfig

    o = cfg.optim
    return TrainConfig(precision=precision, zero_stage=cfg.zero_stage, micro_batch_size=1, grad_accum=1,
                       grad_clip=o.grad_clip, lr=o.lr, weight_decay=o.weight_decay, betas=o.betas, eps=o.eps,
                       deepspeed={"managed_gradient_accumulation": False, **cfg.deepspeed})


def load_prompts(cfg, output: str, tokenizer, source: str, fmt: str, limit, toy_n: int, toy_seed: int, split: str):
    """(problems, rendered prompts, stop strings) of `rl.data` or `rl.eval`."""
    from train.rl_data import PromptTemplate, load_rl_problems

    source = source if source == "toy" else _under(output, source)
    problems = load_rl_problems(source, fmt, limit, toy_n, toy_seed, split)
    template = PromptTemplate(cfg.prompt.template, tokenizer)
    stop = template.stop if cfg.prompt.stop is None else list(cfg.prompt.stop)
    return problems, [template.render(p.question) for p in problems], stop


def make_backend(cfg, engine, tokenizer, init_from: str):
    if cfg.rollout.backend == "vllm":
        from train.rollout import VLLMRollout

        backend = VLLMRollout(init_from, tokenizer, seed=cfg.seed, **cfg.rollout.vllm_args)
        backend.push_weights(engine.module.named_parameters())  # a resumed run's weights
        return backend
    from train.rollout import HFRollout

    return HFRollout(engine.module, tokenizer, batch_size=cfg.rollout.batch_size, device=engine.device)


def _seed(*parts) -> int:
    return int.from_bytes(hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest(), "little") >> 1


# ---------------------------------------------------------------------------------- one step


class GRPOStep:
    """Rollout -> reward -> advantages -> clipped-surrogate updates, for one GRPO step."""

    def __init__(self, cfg, engine, backend, tokenizer, reference, rank: int, world: int):
        self.cfg, self.engine, self.backend, self.tokenizer = cfg, engine, backend, tokenizer
        self.reference, self.rank, self.world = reference, rank, world
        self.pad_id = tokenizer.pad_token_id

    # -- rollout and reward -----------------------------------------------------------------

    def score(self, batch, problems, checker):
        """Rewards and correctness of each sample of a RolloutBatch whose groups index `problems`."""
        from train.answers import reward_from_result

        golds = [problems[g].gold for g in batch.group]
        kinds = [problems[g].kind for g in batch.group]
        results = checker.check_many(batch.texts, golds, kinds, [problems[g].choices for g in batch.group])
        rewards = [reward_from_result(t, r, self.cfg.reward) for t, r in zip(batch.texts, results)]
        return rewards, [r.correct for r in results]

    def rollout(self, step, sampler, problems, prompts, stop, checker, max_len):
        """Sample and score; with dynamic sampling, keep drawing prompts (up to
        max_sampling_rounds) until prompts_per_step groups with differing rewards are kept."""
        import torch

        from train.grpo_loss import overlong_penalty, varied_groups
        from train.rollout import RolloutBatch

        rc, ac = self.cfg.rollout, self.cfg.algorithm
        want = rc.prompts_per_step
        kept, rewards, correct, kept_groups = RolloutBatch(), [], [], 0
        seen = {"rewards": [], "correct": [], "lens": [], "truncated": [], "groups": 0}
        for rnd in range(ac.max_sampling_rounds if ac.dynamic_sampling else 1):
            idx = sampler.take(want - kept_groups if ac.dynamic_sampling else want)
            mine = idx[self.rank :: self.world]
            batch = self.backend.generate([prompts[i] for i in mine], rc.samples_per_prompt, max_len, rc.temperature,
                                          rc.top_p, stop, seed=_seed(self.cfg.seed, step, rnd, self.rank))
            own = [problems[i] for i in mine]
            r, c = self.score(batch, own, checker)
            lens = torch.tensor([len(x) for x in batch.response_ids], dtype=torch.float32)
            shaped = torch.tensor(r, dtype=torch.float32) + overlong_penalty(lens, max_len, ac.overlong_buffer, ac.overlong_penalty)
            seen["rewards"] += shaped.tolist()
            seen["correct"] += c
            seen["lens"] += lens.tolist()
            seen["truncated"] += [f == "length" for f in batch.finish]
            seen["groups"] += len(mine)
            # Group ids unique across rounds and ranks: position in the step's draw.
            groups = torch.tensor([rnd * 1_000_000 + self.rank + g * self.world for g in batch.group])
            keep = varied_groups(shaped, groups) if ac.dynamic_sampling else torch.ones(len(batch), dtype=torch.bool)
            keep_idx = keep.nonzero().flatten().tolist()
            part = batch.select(keep_idx)
            part.group = groups[keep_idx].tolist()
            kept.extend(part)
            rewards += shaped[keep_idx].tolist()
            correct += [c[i] for i in keep_idx]
            kept_groups += self._sum_int(len(set(part.group)))
            if not ac.dynamic_sampling or kept_groups >= want:
                break
        if ac.dynamic_sampling and kept_groups > want:
            kept, rewards = self._trim_groups(kept, rewards, want)
        return kept, rewards, seen

    def _trim_groups(self, batch, rewards, want: int):
        """Keep the first `want` groups in total over the ranks (DAPO fills exactly the batch)."""
        order = list(dict.fromkeys(batch.group))
        counts = self._gather_counts(len(order))
        allowed = max(0, min(len(order), want - sum(counts[: self.rank])))
        keep_groups = set(order[:allowed])
        keep = [i for i, g in enumerate(batch.group) if g in keep_groups]
        return batch.select(keep), [rewards[i] for i in keep]

    # -- the update -----------------------------------------------------------------------------

    def _micro_batches(self, batch, idx: list[int]) -> list[list[int]]:
        """Cut samples `idx` into micro-batches whose padded cost stays within micro_batch_tokens.

        With share_prompt, samples of one prompt stay together (the prompt is computed once per
        micro-batch), the cost being prompts x longest prompt + samples x longest response;
        without, samples are sorted by length and the cost is rows x longest sequence."""
        budget = self.cfg.algorithm.micro_batch_tokens
        plen = lambda i: len(batch.prompt_ids[i])  # noqa: E731
        rlen = lambda i: max(len(batch.response_ids[i]), 1)  # noqa: E731
        if not self.cfg.algorithm.share_prompt:
            units = [[i] for i in idx]
        else:
            by_prompt: dict[int, list[int]] = {}
            for i in idx:
                by_prompt.setdefault(batch.group[i], []).append(i)
            units = []
            for members in by_prompt.values():
                members.sort(key=rlen, reverse=True)
                chunk: list[int] = []
                for i in members:  # a group larger than the budget is split
                    if chunk and plen(chunk[0]) + (len(chunk) + 1) * rlen(chunk[0]) > budget:
                        units.append(chunk)
                        chunk = []
                    chunk.append(i)
                units.append(chunk)
        units.sort(key=lambda u: (max(rlen(i) for i in u), plen(u[0])), reverse=True)
        out, cur, n_units = [], [], 0
        for u in units:
            cand = cur + u
            if self.cfg.algorithm.share_prompt:
                cost = (n_units + 1) * max(plen(i) for i in cand) + len(cand) * max(rlen(i) for i in cand)
            else:
                cost = len(cand) * max(plen(i) + rlen(i) for i in cand)
            if cur and cost > budget:
                out.append(cur)
                cur, n_units = list(u), 1
            else:
                cur, n_units = cand, n_units + 1
        if cur:
            out.append(cur)
        return out

    def _forward(self, model, batch, mb, with_entropy=False, entropy_grad=False):
        """(logp, entropy, response_mask) of micro-batch `mb`, rows in `mb` order."""
        from train.rollout import grouped_logprobs, pack_batch, pack_grouped, response_logprobs

        prompts = [batch.prompt_ids[i] for i in mb]
        responses = [batch.response_ids[i] for i in mb]
        T = self.cfg.rollout.temperature
        if self.cfg.algorithm.share_prompt:
            packed = pack_grouped(prompts, responses, self.pad_id, self.engine.device)
            logp, entropy = grouped_logprobs(model, packed, T, with_entropy, entropy_grad)
        else:
            packed = pack_batch(prompts, responses, self.pad_id, self.engine.device)
            logp, entropy = response_logprobs(model, packed, T, with_entropy, entropy_grad)
        return logp, entropy, packed.response_mask

    def _logprobs(self, model, batch, idx):
        """No-grad log-probs of the responses of samples `idx`, one 1-D tensor per sample."""
        import torch

        out = {}
        with torch.no_grad():
            for mb in self._micro_batches(batch, idx):
                logp, _, _ = self._forward(model, batch, mb)
                for row, i in enumerate(mb):
                    out[i] = logp[row, : len(batch.response_ids[i])].float()
        return out

    def update(self, step, batch, advantages, trainable, max_len):
        import torch

        from train.engine import gradient_norm
        from train.grpo_loss import LossNorm, LossStats, policy_loss

        ac = self.cfg.algorithm
        engine = self.engine
        n = len(batch)
        all_idx = list(range(n))
        on_policy = ac.epochs * ac.mini_batches == 1
        engine.train()
        old = None if on_policy else self._logprobs(engine, batch, all_idx)
        ref = self._logprobs(self.reference, batch, all_idx) if self.reference is not None else None
        stats, norms, updates = LossStats(), [], 0
        rng = random.Random(_seed(self.cfg.seed, step, "minibatch"))
        groups = list(dict.fromkeys(batch.group))
        for epoch in range(ac.epochs):
            # Mini-batches of whole groups: a group's prompt is then computed once per pass.
            order = groups[:]
            rng.shuffle(order)
            for m in range(ac.mini_batches):
                chosen = set(order[m * len(order) // ac.mini_batches : (m + 1) * len(order) // ac.mini_batches])
                mini = [i for i in all_idx if batch.group[i] in chosen]
                # The mini-batch's normaliser over every rank, so micro-batches and ranks add up exactly.
                seqs = sum(1 for i in mini if trainable[i] and batch.response_ids[i])
                tokens = sum(len(batch.response_ids[i]) for i in mini if trainable[i])
                seqs, tokens = self._sum_float(seqs), self._sum_float(tokens)
                if tokens == 0:
                    continue
                norm = LossNorm(seqs, tokens, float(max_len))
                micro = self._micro_batches(batch, mini)
                n_micro = self._max_int(len(micro))  # every rank runs as many backward passes
                if not micro:  # this rank drew nothing to train on; the others still step
                    engine.backward(sum(p.reshape(-1)[0] * 0.0 for p in engine.module.parameters() if p.requires_grad),
                                    scale_wrt_gas=False)
                for k in range(n_micro if micro else 0):
                    mb = micro[k] if k < len(micro) else micro[-1]
                    weight = 1.0 if k < len(micro) else 0.0  # a rank with fewer micro-batches keeps step
                    logp, entropy, rmask = self._forward(engine, batch, mb, with_entropy=True, entropy_grad=ac.entropy_coef > 0)
                    mask = rmask.float() * torch.tensor([float(trainable[i]) for i in mb], device=engine.device).unsqueeze(1)
                    old_logp = logp.detach() if old is None else _pad_rows([old[i] for i in mb], logp.shape[1], engine.device)
                    ref_logp = None if ref is None else _pad_rows([ref[i] for i in mb], logp.shape[1], engine.device)
                    adv = torch.tensor([advantages[i] for i in mb], dtype=torch.float32, device=engine.device)
                    loss, st = policy_loss(logp, old_logp, adv, mask, clip_low=ac.clip_low, clip_high=ac.clip_high,
                                           clip_ratio_c=ac.clip_ratio_c, agg=ac.loss_agg, norm=norm, ref_logp=ref_logp,
                                           kl_coef=ac.kl_coef, entropy=entropy, entropy_coef=ac.entropy_coef)
                    # DeepSpeed averages gradients over ranks; the normaliser is already global.
                    engine.backward(loss * (self.world * weight), scale_wrt_gas=False)
                    if weight:
                        stats.add(st)
                if self.cfg.zero_stage == 0:
                    norms.append(gradient_norm(engine))  # stage 0 keeps no norm of its own
                engine.step()
                if self.cfg.zero_stage != 0:
                    norms.append(gradient_norm(engine))
                updates += 1
        means = stats.means()
        valid = [x for x in norms if x is not None]
        return {"pg_loss": means["pg_loss"] if updates else None, "clip_frac": means["clip_frac"],
                "approx_kl": means["approx_kl"], "kl": means["kl"] if ref is not None else None,
                "entropy": means["entropy"], "grad_norm": max(valid) if valid else None, "updates": updates}

    def run(self, step, sampler, problems, prompts, stop, checker) -> dict:
        import torch

        from train.grpo_loss import group_advantages, response_length_at

        ac = self.cfg.algorithm
        t0 = time.perf_counter()
        max_len = response_length_at(self.cfg.rollout.max_response_len, step)
        lr = self.engine.get_lr()[0]
        batch, rewards, seen = self.rollout(step, sampler, problems, prompts, stop, checker, max_len)
        t1 = time.perf_counter()
        n = len(batch)
        update = {"pg_loss": None, "clip_frac": 0.0, "approx_kl": 0.0, "kl": None, "entropy": None, "grad_norm": None, "updates": 0}
        if self._sum_int(n) > 0:
            adv = group_advantages(torch.tensor(rewards, dtype=torch.float32), torch.tensor(batch.group), ac.advantage).tolist() if n else []
            trainable = [not (ac.filter_truncated and f == "length") for f in batch.finish]
            update = self.update(step, batch, adv, trainable, max_len)
        if self.engine.device.type == "cuda":
            torch.cuda.synchronize()
        t2 = time.perf_counter()
        if update["updates"] and hasattr(self.backend, "push_weights"):
            self.backend.push_weights(self.engine.module.named_parameters())
        t3 = time.perf_counter()
        s = self._mean_all(seen)
        return {
            "step": step + 1, "reward_mean": s["reward_mean"], "accuracy": s["accuracy"],
            "response_len_mean": s["len_mean"], "response_len_max": s["len_max"], "truncation_rate": s["truncation_rate"],
            "kl": update["kl"], "clip_frac": update["clip_frac"], "entropy": update["entropy"], "lr": lr,
            "pg_loss": update["pg_loss"], "approx_kl": update["approx_kl"], "grad_norm": update["grad_norm"],
            "max_response_len": max_len, "samples": s["samples"], "samples_trained": self._sum_int(n),
            "groups_kept": self._sum_int(len(set(batch.group))), "groups_sampled": s["groups"], "updates": update["updates"],
            "time_rollout": t1 - t0, "time_update": t2 - t1, "time_sync": t3 - t2, "time_step": t3 - t0,
            "samples_per_s": s["samples"] / max(t3 - t0, 1e-9),
        }

    # -- evaluation ---------------------------------------------------------------------------

    def evaluate(self, problems, prompts, stop, step, checker) -> dict:
        """Greedy accuracy on the eval prompts (the same reward path as training)."""
        ec = self.cfg.eval
        from train.grpo_loss import response_length_at

        t0 = time.perf_counter()
        mine = list(range(self.rank, len(prompts), self.world))
        max_len = ec.max_new_tokens or response_length_at(self.cfg.rollout.max_response_len, step)
        batch = self.backend.generate([prompts[i] for i in mine], 1, max_len, 0.0, 1.0, stop, seed=0)
        own = [problems[i] for i in mine]
        results = checker.check_many(batch.texts, [own[g].gold for g in batch.group], [own[g].kind for g in batch.group])
        correct = self._sum_float(sum(r.correct for r in results))
        total = self._sum_float(len(results))
        return {"eval_accuracy": correct / max(total, 1.0), "eval_n": int(total), "time_eval": time.perf_counter() - t0}

    # -- across ranks ---------------------------------------------------------------------------

    def _reduce(self, values: list[float], op: str = "sum") -> list[float]:
        if self.world == 1:
            return values
        import torch
        import deepspeed.comm as dist

        t = torch.tensor(values, dtype=torch.float64, device=self.engine.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX if op == "max" else dist.ReduceOp.SUM)
        return t.tolist()

    def _sum_float(self, x: float) -> float:
        return float(self._reduce([float(x)])[0])

    def _sum_int(self, x: int) -> int:
        return int(round(self._reduce([float(x)])[0]))

    def _max_int(self, x: int) -> int:
        return int(round(self._reduce([float(x)], "max")[0]))

    def _gather_counts(self, x: int) -> list[int]:
        if self.world == 1:
            return [x]
        vec = [0.0] * self.world
        vec[self.rank] = float(x)
        return [int(v) for v in self._reduce(vec)]

    def _mean_all(self, seen: dict) -> dict:
        n = len(seen["rewards"])
        sums = self._reduce([float(n), sum(seen["rewards"]), float(sum(seen["correct"])), sum(seen["lens"]),
                             float(sum(seen["truncated"])), float(seen["groups"])])
        top = self._reduce([max(seen["lens"], default=0.0)], "max")[0]
        total = max(sums[0], 1.0)
        return {"samples": int(sums[0]), "reward_mean": sums[1] / total, "accuracy": sums[2] / total,
                "len_mean": sums[3] / total, "len_max": int(top), "truncation_rate": sums[4] / total, "groups": int(sums[5])}


def _pad_rows(rows, width: int, device):
    import torch

    out = torch.zeros((len(rows), width), dtype=torch.float32, device=device)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r.to(device)
    return out


if __name__ == "__main__":
    sys.exit(main())
