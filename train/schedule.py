"""Warmup–Stable–Decay learning rates (OctoThinker's Stable-then-Decay, MiniCPM's WSD).

A stable run warms up linearly to the peak LR and holds it; a decay branch (started from the
stable checkpoint) goes from the peak down to `final_ratio`·peak over its steps, in one of three
shapes. Pure functions of the step: a resumed run gets exactly the LRs an uninterrupted one did.
"""
from __future__ import annotations

import math

DECAY_SHAPES = ("cosine", "linear", "1-sqrt")


def decay_factor(progress: float, shape: str) -> float:
    """1 at progress 0, 0 at progress 1."""
    p = min(max(progress, 0.0), 1.0)
    if shape == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * p))
    if shape == "linear":
        return 1.0 - p
    if shape == "1-sqrt":
        return 1.0 - math.sqrt(p)
    raise ValueError(f"decay shape {shape!r}: expected one of {', '.join(DECAY_SHAPES)}")


def wsd_lr(step: int, *, peak_lr: float, total_steps: int, phase: str = "stable", warmup_steps: int = 0,
           final_ratio: float = 0.1, shape: str = "cosine") -> float:
    """The LR of optimizer step `step` (0-based) of a run of `total_steps`.

    stable: linear warmup over `warmup_steps` (step 0 gets peak/warmup), then the peak.
    decay:  peak at step 0, peak·final_ratio at the last step, monotone in between.
    """
    if phase == "stable":
        if warmup_steps and step < warmup_steps:
            return peak_lr * (step + 1) / warmup_steps
        return peak_lr
    if phase == "decay":
        progress = step / (total_steps - 1) if total_steps > 1 else 1.0
        return peak_lr * (final_ratio + (1.0 - final_ratio) * decay_factor(progress, shape))
    raise ValueError(f"phase {phase!r}: expected stable or decay")


class WSDMultiplier:
    """`LambdaLR` callable: the LR of step `step` as a multiple of the peak.

    An object, not a closure, so torch's LambdaLR state_dict (which DeepSpeed checkpoints) holds
    its settings and a resume can check them.
    """

    def __init__(self, total_steps: int, phase: str, warmup_steps: int, final_ratio: float, shape: str):
        self.total_steps, self.phase, self.warmup_steps = total_steps, phase, warmup_steps
        self.final_ratio, self.shape = final_ratio, shape
        decay_factor(0.0, shape)  # reject an unknown shape now

    def __call__(self, step: int) -> float:
        return wsd_lr(step, peak_lr=1.0, total_steps=self.total_steps, phase=self.phase,
                      warmup_steps=self.warmup_steps, final_ratio=self.final_ratio, shape=self.shape)
