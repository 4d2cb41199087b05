"""DeepSpeed around a transformers model: distributed setup, the engine, checkpoints, HF exports.

Shared by mid-training (train/midtrain.py) and GRPO (issue 9):

    rank, world = setup_distributed()
    engine = build_engine(model, train_cfg, lr_multiplier)          # ZeRO 0-3, offload, bf16/fp32
    save_checkpoint(engine, ckpt_dir, step, state, keep)            # + optimizer, LR schedule, RNG
    state = load_checkpoint(engine, ckpt_dir)                        # bit-exact continuation
    export_hf(engine, out_dir, tokenizer=tok, meta={...})            # save_pretrained, any ZeRO stage

Runs the same under the `deepspeed` launcher (multi-GPU, multi-node: it sets RANK, WORLD_SIZE,
MASTER_ADDR, ...) and as a plain single process, for which the env defaults are filled in here.
"""
from __future__ import annotations

import copy
import json
import os
import random
import shutil
import socket

CHECKPOINTS = "checkpoints"
STATE_FILE = "octo_state.json"
EXPORT_META = "octo_export.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_distributed() -> tuple[int, int]:
    """Join (or, alone, create) the process group; returns (rank, world_size)."""
    import deepspeed
    import deepspeed.comm as dist
    from deepspeed.accelerator import get_accelerator

    ours = {}
    if "RANK" not in os.environ:  # a plain `octo-train`: one process, its own rendezvous
        ours = {"RANK": "0", "WORLD_SIZE": "1", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port())}
        ours = {k: v for k, v in ours.items() if k not in os.environ}
        os.environ.update(ours)
    os.environ.setdefault("LOCAL_RANK", "0")  # DeepSpeed's engine reads it
    if not dist.is_initialized():
        deepspeed.init_distributed(dist_backend=get_accelerator().communication_backend_name())
    # Leave no rendezvous env behind: a process this one starts must make its own group, not
    # find RANK/MASTER_PORT pointing at ours.
    for key in ours:
        os.environ.pop(key, None)
    return dist.get_rank(), dist.get_world_size()


def on_accelerator() -> bool:
    from deepspeed.accelerator import get_accelerator

    return get_accelerator().device_name() != "cpu"


def resolve_precision(precision: str) -> str:
    if precision == "auto":
        return "bf16" if on_accelerator() else "fp32"
    return precision


def deepspeed_config(cfg, precision: str) -> dict:
    """The DeepSpeed JSON config from `train:` (cfg: TrainConfig); `cfg.deepspeed` is merged last."""
    zero: dict = {"stage": cfg.zero_stage}
    if cfg.zero_stage >= 1:
        zero.update(overlap_comm=False, contiguous_gradients=True)
    if cfg.offload_optimizer:
        zero["offload_optimizer"] = {"device": "cpu", "pin_memory": on_accelerator()}
    if cfg.offload_params:
        zero["offload_param"] = {"device": "cpu", "pin_memory": on_accelerator()}
    if cfg.zero_stage == 3:
        zero["stage3_gather_16bit_weights_on_model_save"] = True
    ds = {
        "train_micro_batch_size_per_gpu": cfg.micro_batch_size,
        "gradient_accumulation_steps": cfg.grad_accum,
        "gradient_clipping": cfg.grad_clip,
        "bf16": {"enabled": precision == "bf16"},
        "zero_optimization": zero,
        # DeepSpeed's own AdamW: FusedAdam on GPUs, DeepSpeedCPUAdam when the optimizer is offloaded.
        "optimizer": {"type": "AdamW", "params": {"lr": cfg.lr, "betas": list(cfg.betas), "eps": cfg.eps,
                                                  "weight_decay": cfg.weight_decay}},
        "steps_per_print": 1 << 30,
        "wall_clock_breakdown": False,
    }
    return _merge(ds, cfg.deepspeed)


def _merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def param_groups(model, weight_decay: float) -> list[dict]:
    """No weight decay on norms, biases (1-d tensors); decay on matrices and embeddings."""
    decay, no_decay = [], []
    for p in model.parameters():
        if p.requires_grad:
            (decay if p.dim() >= 2 else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def build_engine(model, cfg, lr_multiplier, precision: str | None = None):
    """A DeepSpeedEngine for `model` with `train:` settings and a LambdaLR of `lr_multiplier`
    (a callable step -> multiple of cfg.lr, e.g. train.schedule.WSDMultiplier)."""
    import deepspeed
    from torch.optim.lr_scheduler import LambdaLR

    precision = resolve_precision(precision or cfg.precision)
    engine, _, _, _ = deepspeed.initialize(
        model=model, model_parameters=param_groups(model, cfg.weight_decay),
        config=deepspeed_config(cfg, precision), lr_scheduler=lambda opt: LambdaLR(opt, lr_multiplier),
    )
    engine.octo_precision = precision
    return engine


def gradient_norm(engine):
    """The global grad norm of the current step: DeepSpeed's when it computes one (ZeRO, bf16),
    else (stage 0, fp32) computed from the gradients — call before engine.step() at a boundary."""
    import torch

    norm = engine.get_global_grad_norm()
    if norm is not None:
        return float(norm)
    grads = [p.grad for p in engine.module.parameters() if p.grad is not None]
    if not grads:
        return None
    return float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.float()) for g in grads])))


# ---------------------------------------------------------------------------------- RNG


def rng_state() -> dict:
    import numpy as np
    import torch

    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    import numpy as np
    import torch

    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# ---------------------------------------------------------------------------------- checkpoints


def checkpoint_tag(step: int) -> str:
    return f"step{step:08d}"


def latest_checkpoint(ckpt_dir: str) -> tuple[str, dict] | None:
    """(tag, octo state) of the checkpoint DeepSpeed's `latest` names, or None. Readable without
    torch, so a run is checked for compatibility before anything is built."""
    latest = os.path.join(ckpt_dir, "latest")
    if not os.path.exists(latest):
        return None
    with open(latest) as f:
        tag = f.read().strip()
    path = os.path.join(ckpt_dir, tag, STATE_FILE)
    if not os.path.exists(path):
        raise ValueError(f"{os.path.join(ckpt_dir, tag)}: checkpoint lacks {STATE_FILE} (not written by octo-train?)")
    with open(path) as f:
        return tag, json.load(f)


def save_checkpoint(engine, ckpt_dir: str, step: int, state: dict, keep: int = 2) -> str:
    """A DeepSpeed checkpoint (weights, optimizer, LR scheduler) plus our state (data position,
    config for the resume check) and every rank's RNG. Our files go in before DeepSpeed writes
    `latest`, so whatever `latest` names is complete. Keeps the newest `keep` checkpoints."""
    import deepspeed.comm as dist
    import torch

    tag = checkpoint_tag(step)
    folder = os.path.join(ckpt_dir, tag)
    rank = dist.get_rank()
    if rank == 0:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, STATE_FILE), "w") as f:
            json.dump(state, f, indent=1, sort_keys=True)
    dist.barrier()
    torch.save(rng_state(), os.path.join(folder, f"rng_rank{rank:05d}.pt"))
    engine.save_checkpoint(ckpt_dir, tag=tag, client_state={"octo": state})
    dist.barrier()
    if rank == 0:
        tags = sorted(t for t in os.listdir(ckpt_dir) if t.startswith("step") and os.path.isdir(os.path.join(ckpt_dir, t)))
        for old in tags[:-keep]:
            if old != tag:
                shutil.rmtree(os.path.join(ckpt_dir, old), ignore_errors=True)
    dist.barrier()
    return tag


def load_checkpoint(engine, ckpt_dir: str, tag: str) -> dict:
    """Restore weights, optimizer, LR schedule and this rank's RNG; returns our saved state."""
    import deepspeed.comm as dist
    import torch

    path, client = engine.load_checkpoint(ckpt_dir, tag=tag, load_optimizer_states=True, load_lr_scheduler_states=True)
    if path is None:
        raise ValueError(f"{os.path.join(ckpt_dir, tag)}: DeepSpeed could not load this checkpoint")
    rng = os.path.join(ckpt_dir, tag, f"rng_rank{dist.get_rank():05d}.pt")
    if os.path.exists(rng):
        set_rng_state(torch.load(rng, weights_only=False))
    return client.get("octo", {})


# ---------------------------------------------------------------------------------- exports


def export_hf(engine, out_dir: str, tokenizer=None, meta: dict | None = None) -> str:
    """`save_pretrained` of the engine's model (gathered first under ZeRO-3) into `out_dir`,
    with the tokenizer and `octo_export.json`; written aside and swapped in on rank 0."""
    import deepspeed
    import deepspeed.comm as dist

    rank = dist.get_rank()
    tmp = out_dir.rstrip("/") + ".tmp"
    model = engine.module

    def write():
        shutil.rmtree(tmp, ignore_errors=True)
        model.save_pretrained(tmp, safe_serialization=True)
        if tokenizer is not None:
            tokenizer.save_pretrained(tmp)
        with open(os.path.join(tmp, EXPORT_META), "w") as f:
            json.dump(meta or {}, f, indent=1, sort_keys=True)
        shutil.rmtree(out_dir, ignore_errors=True)
        os.replace(tmp, out_dir)

    if engine.zero_optimization_stage() == 3:
        with deepspeed.zero.GatheredParameters(list(model.parameters()), modifier_rank=None):
            if rank == 0:
                write()
    elif rank == 0:
        write()
    dist.barrier()
    return out_dir
