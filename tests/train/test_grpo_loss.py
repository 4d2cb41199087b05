"""GRPO's arithmetic against values computed by hand (train/grpo_loss.py)."""
from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from train.grpo_loss import (  # noqa: E402
    LossNorm,
    entropy_from_logits,
    group_advantages,
    kl_k3,
    overlong_penalty,
    policy_loss,
    response_length_at,
    token_logprobs,
    varied_groups,
)

# A two-sequence batch: sequence 0 has three response tokens and advantage +1, sequence 1 two
# tokens (its third is padding) and advantage -2.
LOGP = [[-1.0, -2.0, -0.5], [-1.5, -0.2, -3.0]]
OLD = [[-1.2, -1.9, -0.5], [-1.0, -0.2, -2.0]]
MASK = [[1, 1, 1], [1, 1, 0]]
ADV = [1.0, -2.0]


def batch():
    return torch.tensor(LOGP), torch.tensor(OLD), torch.tensor(ADV), torch.tensor(MASK)


# Per-token losses by hand, eps_low 0.2, eps_high 0.28:
#   seq 0 (A=+1): r = e^0.2 = 1.2214 (< 1.28, unclipped) -> -1.2214; r = e^-0.1 -> -0.9048; r = 1 -> -1
#   seq 1 (A=-2): r = e^-0.5 = 0.6065 < 0.8 -> clipped: max(2 * 0.6065, 2 * 0.8) = 1.6; r = 1 -> 2
SEQ0 = [-math.exp(0.2), -math.exp(-0.1), -1.0]
SEQ1 = [1.6, 2.0]


def test_grpo_advantages_by_hand():
    rewards = torch.tensor([1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    groups = torch.tensor([0, 0, 0, 0, 1, 1, 1])
    adv = group_advantages(rewards, groups, "grpo")
    # group 0: mean 0, std (Bessel) sqrt(4/3); group 1: mean -1/3, centred 4/3, -2/3, -2/3, std sqrt(4/3)
    s = math.sqrt(4 / 3)
    expected = [1 / s, -1 / s, -1 / s, 1 / s, (4 / 3) / s, (-2 / 3) / s, (-2 / 3) / s]
    assert adv.tolist() == pytest.approx(expected, abs=1e-5)


def test_drgrpo_advantages_are_centred_only():
    rewards = torch.tensor([1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    groups = torch.tensor([0, 0, 0, 0, 1, 1, 1])
    adv = group_advantages(rewards, groups, "drgrpo")
    assert adv.tolist() == pytest.approx([1, -1, -1, 1, 4 / 3, -2 / 3, -2 / 3], abs=1e-6)


def test_group_ids_never_mixed():
    """Shuffled samples and sparse ids give each sample the advantage of its own group only."""
    rewards = torch.tensor([1.0, -1.0, 0.5, 1.0, -1.0, 0.25, 1.0, 1.0])
    groups = torch.tensor([7, 7, 3, 3, 7, 3, 11, 11])
    adv = group_advantages(rewards, groups, "grpo")
    for g in groups.unique():
        sel = groups == g
        r = rewards[sel].double()
        want = (r - r.mean()) / (r.std() + 1e-6) if r.max() != r.min() else torch.zeros_like(r)
        assert adv[sel].tolist() == pytest.approx(want.tolist(), abs=1e-6)
    perm = torch.randperm(len(rewards), generator=torch.Generator().manual_seed(0))
    assert group_advantages(rewards[perm], groups[perm], "grpo").tolist() == pytest.approx(adv[perm].tolist(), abs=1e-6)
    # The rewards of another group never move a group's advantages.
    changed = rewards.clone()
    changed[groups == 3] = torch.tensor([5.0, -7.0, 2.0])
    assert group_advantages(changed, groups)[groups == 7].tolist() == pytest.approx(adv[groups == 7].tolist(), abs=1e-6)


def test_all_equal_groups_get_exactly_zero():
    rewards = torch.tensor([0.3, 0.3, 0.3, -1.0, -1.0, 1.0, 0.7])
    groups = torch.tensor([0, 0, 0, 1, 1, 1, 2])  # group 2 has a single sample
    for mode in ("grpo", "drgrpo"):
        adv = group_advantages(rewards, groups, mode)
        assert adv[:3].tolist() == [0.0, 0.0, 0.0]
        assert adv[6].item() == 0.0
    assert varied_groups(rewards, groups).tolist() == [False, False, False, True, True, True, False]


def test_unknown_modes_are_clear_errors():
    with pytest.raises(ValueError, match="advantage mode"):
        group_advantages(torch.ones(2), torch.zeros(2, dtype=torch.long), "ppo")
    logp, old, adv, mask = batch()
    with pytest.raises(ValueError, match="loss aggregation"):
        policy_loss(logp, old, adv, mask, agg="sum")


@pytest.mark.parametrize(
    "agg,expected",
    [
        # every token the same weight: (sum seq0 + sum seq1) / 5 tokens
        ("token-mean", (sum(SEQ0) + sum(SEQ1)) / 5),
        # mean of per-sequence token means
        ("seq-mean-token-mean", (sum(SEQ0) / 3 + sum(SEQ1) / 2) / 2),
        # token sum over (2 sequences x constant length 4)
        ("seq-mean-token-sum-norm", (sum(SEQ0) + sum(SEQ1)) / (2 * 4)),
    ],
)
def test_clipped_surrogate_each_aggregation(agg, expected):
    logp, old, adv, mask = batch()
    loss, stats = policy_loss(logp, old, adv, mask, clip_low=0.2, clip_high=0.28, agg=agg, max_len=4)
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    assert stats.tokens == 5
    assert stats.clipped == 1  # only seq 1's first token
    assert stats.means()["clip_frac"] == pytest.approx(0.2)
    # approx KL to the rollout policy: mean of old - new over the 5 tokens
    assert stats.means()["approx_kl"] == pytest.approx((-0.2 + 0.1 + 0 + 0.5 + 0) / 5, abs=1e-6)


def test_clip_higher_differs_from_symmetric_clip():
    """With eps_high 0.2 the ratio e^0.2 = 1.2214 of a positive advantage is clipped to 1.2."""
    logp, old, adv, mask = batch()
    loss, stats = policy_loss(logp, old, adv, mask, clip_low=0.2, clip_high=0.2, agg="token-mean")
    assert loss.item() == pytest.approx((-1.2 + SEQ0[1] + SEQ0[2] + sum(SEQ1)) / 5, abs=1e-6)
    assert stats.clipped == 2


def test_dual_clip_bounds_negative_advantages():
    logp = torch.tensor([[math.log(5.0)]])
    old = torch.zeros(1, 1)
    mask = torch.ones(1, 1)
    loss, _ = policy_loss(logp, old, torch.tensor([-1.0]), mask, agg="token-mean")
    assert loss.item() == pytest.approx(5.0, rel=1e-6)  # max(-A r, -A clip(r)) = max(5, 1.2)
    loss, _ = policy_loss(logp, old, torch.tensor([-1.0]), mask, agg="token-mean", clip_ratio_c=3.0)
    assert loss.item() == pytest.approx(3.0, rel=1e-6)


def test_k3_kl_term_by_hand():
    logp, old, adv, mask = batch()
    ref = torch.tensor([[-1.1, -2.0, -0.7], [-1.5, -0.4, -9.0]])
    k3 = lambda lp, rf: math.exp(rf - lp) - (rf - lp) - 1  # noqa: E731
    kl = [[k3(LOGP[b][t], ref[b][t].item()) for t in range(3)] for b in range(2)]
    kl_tok_mean = (sum(kl[0]) + kl[1][0] + kl[1][1]) / 5
    base, _ = policy_loss(logp, old, adv, mask, clip_high=0.28, agg="token-mean")
    loss, stats = policy_loss(logp, old, adv, mask, clip_high=0.28, agg="token-mean", ref_logp=ref, kl_coef=0.1)
    assert loss.item() == pytest.approx(base.item() + 0.1 * kl_tok_mean, abs=1e-6)
    assert stats.means()["kl"] == pytest.approx(kl_tok_mean, abs=1e-6)
    assert kl_k3(logp, logp).abs().max().item() == 0.0
    # Without kl_coef the KL is reported but not in the loss.
    loss0, stats0 = policy_loss(logp, old, adv, mask, clip_high=0.28, agg="token-mean", ref_logp=ref)
    assert loss0.item() == pytest.approx(base.item(), abs=1e-7) and stats0.kl_ref > 0


def test_entropy_bonus_and_helpers():
    logits = torch.zeros(2, 3, 5)
    ent = entropy_from_logits(logits)
    assert ent.flatten().tolist() == pytest.approx([math.log(5)] * 6, abs=1e-6)
    tokens = torch.tensor([[0, 1, 2], [3, 4, 0]])
    assert token_logprobs(logits, tokens).flatten().tolist() == pytest.approx([-math.log(5)] * 6, abs=1e-6)
    rnd = torch.randn(2, 3, 5, generator=torch.Generator().manual_seed(1))
    want = torch.log_softmax(rnd / 0.7, -1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    assert torch.allclose(token_logprobs(rnd, tokens, temperature=0.7), want, atol=1e-6)
    logp, old, adv, mask = batch()
    base, _ = policy_loss(logp, old, adv, mask, agg="token-mean")
    loss, stats = policy_loss(logp, old, adv, mask, agg="token-mean", entropy=ent, entropy_coef=0.01)
    assert loss.item() == pytest.approx(base.item() - 0.01 * math.log(5), abs=1e-6)
    assert stats.means()["entropy"] == pytest.approx(math.log(5), abs=1e-6)


@pytest.mark.parametrize("agg", ["token-mean", "seq-mean-token-mean", "seq-mean-token-sum-norm"])
def test_micro_batches_add_up_to_the_mini_batch(agg):
    g = torch.Generator().manual_seed(0)
    logp = -torch.rand(6, 5, generator=g) * 3
    old = logp + (torch.rand(6, 5, generator=g) - 0.5) * 0.6
    adv = torch.randn(6, generator=g)
    mask = (torch.rand(6, 5, generator=g) > 0.3).float()
    mask[:, 0] = 1
    norm = LossNorm.of(mask, 8)
    whole, _ = policy_loss(logp, old, adv, mask, agg=agg, norm=norm)
    parts = sum(policy_loss(logp[i : i + 2], old[i : i + 2], adv[i : i + 2], mask[i : i + 2], agg=agg, norm=norm)[0] for i in (0, 2, 4))
    assert parts.item() == pytest.approx(whole.item(), abs=1e-6)


@pytest.mark.parametrize("agg", ["token-mean", "seq-mean-token-mean", "seq-mean-token-sum-norm"])
@pytest.mark.parametrize("mode", ["grpo", "drgrpo"])
def test_all_equal_groups_contribute_no_gradient(agg, mode):
    """End to end from logits: the samples of a group with equal rewards get zero gradient."""
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(6, 4, 7, generator=g, requires_grad=True)
    tokens = torch.randint(0, 7, (6, 4), generator=g)
    mask = torch.ones(6, 4)
    rewards = torch.tensor([1.0, -1.0, 1.0, -1.0, -1.0, -1.0])
    groups = torch.tensor([0, 0, 0, 1, 1, 1])
    adv = group_advantages(rewards, groups, mode)
    logp = token_logprobs(logits, tokens)
    # old log-probs a little off the current ones, so ratios are not all 1
    old = (logp + 0.05 * torch.randn(6, 4, generator=g)).detach()
    loss, _ = policy_loss(logp, old, adv, mask, agg=agg, clip_high=0.28, max_len=4)
    loss.backward()
    assert logits.grad[3:].abs().max().item() == 0.0
    assert logits.grad[:3].abs().max().item() > 0.0


def test_length_stair_applies_at_the_right_steps():
    stair = {0: 2048, 100: 4096, 160: 8192}  # OctoThinker
    assert [response_length_at(stair, s) for s in (0, 1, 99, 100, 101, 159, 160, 500)] == [
        2048, 2048, 2048, 4096, 4096, 4096, 8192, 8192]
    assert response_length_at({160: 8192, 0: 2048, 100: 4096}, 120) == 4096  # order of keys irrelevant
    assert response_length_at(512, 10_000) == 512
    with pytest.raises(ValueError, match="step 0"):
        response_length_at({5: 10}, 0)


def test_overlong_penalty_by_hand():
    lengths = torch.tensor([10, 16, 17, 18, 20])
    # max 20, buffer 4: free up to 16, then -1/4 per token down to -1 at 20
    assert overlong_penalty(lengths, 20, 4).tolist() == pytest.approx([0, 0, -0.25, -0.5, -1.0])
    assert overlong_penalty(lengths, 20, 4, factor=0.5).tolist() == pytest.approx([0, 0, -0.125, -0.25, -0.5])
    assert overlong_penalty(lengths, 20, 0).tolist() == [0, 0, 0, 0, 0]
