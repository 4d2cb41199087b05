"""The arithmetic of GRPO, as pure functions on tensors (no model, no I/O).

    group_advantages(rewards, group_ids, "grpo")    (r - mean_g) / (std_g + eps)   (GRPO)
    group_advantages(rewards, group_ids, "drgrpo")  r - mean_g                     (Dr. GRPO)
    policy_loss(logp, old_logp, adv, mask, ...)     clipped surrogate with separate eps_low and
                                                    eps_high (DAPO clip-higher), optional dual clip,
                                                    k3 KL to a reference, entropy bonus, and one
                                                    of three aggregations (below)
    response_length_at(stair, step)                 the stair schedule of the max response length
    overlong_penalty(lengths, max_len, buffer)      DAPO's soft overlong punishment
    varied_groups(rewards, group_ids)               dynamic sampling: groups whose rewards differ

Aggregation modes (names as in verl):
    seq-mean-token-mean       mean over sequences of each sequence's token mean (original GRPO)
    token-mean                every response token of the mini-batch weighs the same (DAPO)
    seq-mean-token-sum-norm   token sum / (sequences x a constant length) (Dr. GRPO): no length
                              bias, the constant being the max response length of the step

A mini-batch may be split into micro-batches for memory. The normaliser (LossNorm) is then the
mini-batch's, passed to every micro-batch, so the micro-batch losses add up to exactly the
mini-batch loss whatever the split.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import torch

ADVANTAGE_MODES = ("grpo", "drgrpo")
LOSS_AGG_MODES = ("seq-mean-token-mean", "token-mean", "seq-mean-token-sum-norm")


# --------------------------------------------------------------------------------------------
# Rewards -> advantages
# --------------------------------------------------------------------------------------------


def _group_index(group_ids: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Dense 0..n_groups-1 index per sample; ids may be any integers in any order."""
    _, inverse = torch.unique(group_ids, return_inverse=True)
    return inverse, int(inverse.max().item()) + 1 if inverse.numel() else 0


def varied_groups(rewards: torch.Tensor, group_ids: torch.Tensor) -> torch.Tensor:
    """Per sample: True where its group's rewards are not all equal (the group carries signal).

    Compared exactly (max != min), so a group of equal rewards is never kept by rounding.
    """
    index, n = _group_index(group_ids)
    r = rewards.float()
    gmax = torch.full((n,), -torch.inf).scatter_reduce(0, index, r, "amax")
    gmin = torch.full((n,), torch.inf).scatter_reduce(0, index, r, "amin")
    return (gmax != gmin)[index]


def group_advantages(rewards: torch.Tensor, group_ids: torch.Tensor, mode: str = "grpo", eps: float = 1e-6) -> torch.Tensor:
    """One advantage per sample, from the rewards of its own group only.

    grpo:   (r - mean) / (std + eps), std with Bessel's correction (as verl and TRL)
    drgrpo: r - mean (Dr. GRPO drops the std: no difficulty bias)
    A group whose rewards are all equal gets exactly 0 (no gradient), as does a group of one.
    """
    if mode not in ADVANTAGE_MODES:
        raise ValueError(f"unknown advantage mode {mode!r} (expected one of {', '.join(ADVANTAGE_MODES)})")
    if rewards.shape != group_ids.shape or rewards.dim() != 1:
        raise ValueError("rewards and group_ids must be 1-D tensors of the same length")
    index, n = _group_index(group_ids)
    r = rewards.double()  # double: the group mean of equal-sized groups without float32 residue
    counts = torch.zeros(n, dtype=torch.float64).index_add_(0, index, torch.ones_like(r))
    mean = torch.zeros(n, dtype=torch.float64).index_add_(0, index, r) / counts
    centred = r - mean[index]
    centred = torch.where(varied_groups(rewards, group_ids), centred, torch.zeros_like(centred))
    if mode == "drgrpo":
        return centred.to(rewards.dtype if rewards.is_floating_point() else torch.float32)
    sq = torch.zeros(n, dtype=torch.float64).index_add_(0, index, centred * centred)
    std = torch.sqrt(sq / (counts - 1).clamp(min=1))
    adv = centred / (std[index] + eps)
    return adv.to(rewards.dtype if rewards.is_floating_point() else torch.float32)


# --------------------------------------------------------------------------------------------
# Reward shaping and schedules
# --------------------------------------------------------------------------------------------


def response_length_at(stair: int | Mapping[int, int], step: int) -> int:
    """The max response length at a (0-based) step: the value of the last stair step <= step.

    OctoThinker: {0: 2048, 100: 4096, 160: 8192} -> steps 0-99 2048, 100-159 4096, 160- 8192.
    """
    if isinstance(stair, int):
        return stair
    starts = sorted(int(k) for k in stair)
    if not starts or starts[0] != 0:
        raise ValueError("the response length stair must start at step 0")
    value = stair[starts[0]]
    for start in starts:
        if start <= step:
            value = stair[start]
    return int(value)


def overlong_penalty(lengths: torch.Tensor, max_len: int, buffer: int, factor: float = 1.0) -> torch.Tensor:
    """DAPO's soft overlong punishment: 0 up to max_len - buffer, then linear down to -factor
    at max_len (a reward to add; zeros when buffer is 0)."""
    lengths = lengths.float()
    if buffer <= 0:
        return torch.zeros_like(lengths)
    exceed = lengths - (max_len - buffer)
    return torch.clamp(-exceed / buffer * factor, max=0.0, min=-factor)


# --------------------------------------------------------------------------------------------
# Log-probs and entropy from logits
# --------------------------------------------------------------------------------------------


def token_logprobs(logits: torch.Tensor, tokens: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """log p(token) under softmax(logits / temperature); logits (..., V), tokens (...)."""
    logits = logits.float()
    if temperature != 1.0:
        logits = logits / temperature
    picked = logits.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    return picked - torch.logsumexp(logits, dim=-1)


def entropy_from_logits(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Entropy of softmax(logits / temperature) per position (nats)."""
    logits = logits.float()
    if temperature != 1.0:
        logits = logits / temperature
    logz = torch.logsumexp(logits, dim=-1)
    return logz - (torch.softmax(logits, dim=-1) * logits).sum(-1)


def kl_k3(logp: torch.Tensor, ref_logp: torch.Tensor, bound: float = 10.0) -> torch.Tensor:
    """Schulman's k3 estimator of KL(policy || reference) per token: exp(d) - d - 1, d = ref - logp.
    Clamped at `bound` (as verl) so one wild token cannot blow up the loss."""
    d = ref_logp - logp
    return torch.clamp(torch.exp(d) - d - 1, min=-bound, max=bound)


# --------------------------------------------------------------------------------------------
# The loss
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LossNorm:
    """The normaliser of one mini-batch: its sequences, response tokens and the constant length
    (Dr. GRPO). Sequences with no trained token (all masked) do not count."""

    seqs: float
    tokens: float
    max_len: float

    @staticmethod
    def of(mask: torch.Tensor, max_len: int) -> "LossNorm":
        m = mask.float()
        return LossNorm(float((m.sum(-1) > 0).sum().item()), float(m.sum().item()), float(max_len))


def aggregate(loss_mat: torch.Tensor, mask: torch.Tensor, mode: str, norm: LossNorm) -> torch.Tensor:
    """Reduce a (B, T) per-token loss to a scalar under the mini-batch normaliser."""
    m = mask.to(loss_mat.dtype)
    per_seq_sum = (loss_mat * m).sum(-1)
    if mode == "token-mean":
        return per_seq_sum.sum() / max(norm.tokens, 1.0)
    if mode == "seq-mean-token-mean":
        return (per_seq_sum / m.sum(-1).clamp(min=1.0)).sum() / max(norm.seqs, 1.0)
    if mode == "seq-mean-token-sum-norm":
        return per_seq_sum.sum() / max(norm.seqs * norm.max_len, 1.0)
    raise ValueError(f"unknown loss aggregation {mode!r} (expected one of {', '.join(LOSS_AGG_MODES)})")


@dataclass
class LossStats:
    """Sums over the response tokens of a micro-batch; the loop adds them up and divides by tokens."""

    tokens: float = 0.0
    clipped: float = 0.0  # tokens where the clipped branch was taken
    approx_kl_old: float = 0.0  # sum of (old_logp - logp): drift from the rollout policy
    kl_ref: float = 0.0  # sum of k3 KL to the reference (0 without one)
    entropy: float = 0.0
    pg_loss: float = 0.0  # the aggregated policy-gradient loss of this micro-batch

    def add(self, other: "LossStats") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def means(self) -> dict[str, float]:
        n = max(self.tokens, 1.0)
        return {
            "clip_frac": self.clipped / n,
            "approx_kl": self.approx_kl_old / n,
            "kl": self.kl_ref / n,
            "entropy": self.entropy / n,
            "pg_loss": self.pg_loss,
        }


def policy_loss(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    clip_low: float = 0.2,
    clip_high: float = 0.2,
    clip_ratio_c: float | None = None,
    agg: str = "seq-mean-token-mean",
    norm: LossNorm | None = None,
    max_len: int | None = None,
    ref_logp: torch.Tensor | None = None,
    kl_coef: float = 0.0,
    entropy: torch.Tensor | None = None,
    entropy_coef: float = 0.0,
) -> tuple[torch.Tensor, LossStats]:
    """The GRPO loss of a (micro-)batch and its statistics.

    logp, old_logp, mask: (B, T) over response tokens; advantages: (B,) or (B, T).
    Per token: max(-A r, -A clip(r, 1 - clip_low, 1 + clip_high)), r = exp(logp - old_logp);
    with clip_ratio_c (dual clip, for A < 0) at most -A c. Then + kl_coef * k3(logp, ref_logp)
    and - entropy_coef * entropy, aggregated by `agg` under `norm` (default: this batch's own,
    with max_len or else T as the constant length).
    """
    if agg not in LOSS_AGG_MODES:
        raise ValueError(f"unknown loss aggregation {agg!r} (expected one of {', '.join(LOSS_AGG_MODES)})")
    mask = mask.to(logp.dtype)
    if norm is None:
        norm = LossNorm.of(mask, max_len if max_len is not None else logp.shape[-1])
    adv = advantages.to(logp.dtype)
    if adv.dim() == 1:
        adv = adv.unsqueeze(-1)
    log_ratio = logp - old_logp
    ratio = torch.exp(log_ratio)
    unclipped = -adv * ratio
    clipped = -adv * torch.clamp(ratio, 1.0 - clip_low, 1.0 + clip_high)
    pg_mat = torch.maximum(unclipped, clipped)
    if clip_ratio_c is not None:
        # Dual clip (verl): a negative advantage with a huge ratio is bounded at -A * c.
        pg_mat = torch.where(adv < 0, torch.minimum(pg_mat, -adv * clip_ratio_c), pg_mat)
    pg = aggregate(pg_mat, mask, agg, norm)
    loss = pg
    stats = LossStats(
        tokens=float(mask.sum().item()),
        clipped=float(((clipped > unclipped).to(mask.dtype) * mask).sum().item()),
        approx_kl_old=float((-log_ratio.detach() * mask).sum().item()),
        pg_loss=float(pg.detach().item()),
    )
    if ref_logp is not None:
        kl_mat = kl_k3(logp, ref_logp)
        stats.kl_ref = float((kl_mat.detach() * mask).sum().item())
        if kl_coef:
            loss = loss + kl_coef * aggregate(kl_mat, mask, agg, norm)
    if entropy is not None:
        stats.entropy = float((entropy.detach() * mask).sum().item())
        if entropy_coef:
            loss = loss - entropy_coef * aggregate(entropy, mask, agg, norm)
    return loss, stats
