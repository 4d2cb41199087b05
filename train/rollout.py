"""GRPO rollouts: G sampled responses per prompt, as token ids, and the policy's log-probs of them.

    HFRollout(model, tokenizer).generate(prompts, n=G, max_new_tokens=..., stop=[...], seed=...)
    VLLMRollout(model_dir, tokenizer, ...)   the same on vLLM (GPU), .push_weights(named_params)
    pack_batch(prompt_ids, response_ids, pad_id) -> the tensors of one forward pass
    response_logprobs(model, packed, temperature) -> (B, R) log p of each response token
    pack_grouped / grouped_logprobs              the same with each prompt computed once per group

HFRollout samples with the transformers model and its KV cache directly rather than through
`model.generate`: each prompt is prefilled once and its cache repeated G times, the cache grows
in preallocated room (no concatenation per token), sampling inverts the CDF with a seeded
torch.Generator (a step's rollouts are a function of the seed and the weights, which is what
makes resume bit-exact), stop strings are checked only after tokens that can end one, and
finished rows leave the batch so the tail of a long response does not pay for the short ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from train.generate import truncate_at_stop


class RolloutError(RuntimeError):
    """A rollout backend that cannot run here (one line)."""


@dataclass
class RolloutBatch:
    """Sample i: the tokens of its prompt and response, the response text (cut before a stop
    string), why it ended (stop: EOS or a stop string; length: max_new_tokens), its group (the
    index of its prompt in the generate() call)."""

    prompt_ids: list[list[int]] = field(default_factory=list)
    response_ids: list[list[int]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    finish: list[str] = field(default_factory=list)
    group: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def extend(self, other: "RolloutBatch", group_offset: int = 0) -> None:
        self.prompt_ids += other.prompt_ids
        self.response_ids += other.response_ids
        self.texts += other.texts
        self.finish += other.finish
        self.group += [g + group_offset for g in other.group]

    def select(self, keep: Sequence[int]) -> "RolloutBatch":
        return RolloutBatch([self.prompt_ids[i] for i in keep], [self.response_ids[i] for i in keep],
                            [self.texts[i] for i in keep], [self.finish[i] for i in keep], [self.group[i] for i in keep])


def eos_ids_of(model: Any, tokenizer: Any) -> set[int]:
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if eos is None:
        eos = tokenizer.eos_token_id
    ids = set(eos if isinstance(eos, (list, tuple)) else [] if eos is None else [eos])
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    return ids


def encode_prompts(tokenizer: Any, prompts: Sequence[str]) -> list[list[int]]:
    """Token ids of each prompt; the tokenizer's BOS only where the text does not already start
    with it (a chat template writes it)."""
    bos = tokenizer.bos_token
    out = []
    for p in prompts:
        add_special = not (bos and p.startswith(bos))
        out.append(tokenizer(p, add_special_tokens=add_special)["input_ids"])
    return out


def sample_tokens(logits, temperature: float, top_p: float, generator):
    """One token per row: greedy at temperature 0, else softmax(logits / T) with nucleus top_p.

    Sampled by inverting the CDF (cumulative sum in float64, one uniform per row): an exact
    draw from p, and several times faster on a CPU than torch.multinomial or an exponential
    race, which need a random number per vocabulary entry."""
    import torch

    if temperature == 0:
        return logits.argmax(-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    if top_p < 1.0:
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        outside = sorted_probs.cumsum(-1) - sorted_probs > top_p  # keep the smallest set >= top_p
        sorted_probs = sorted_probs.masked_fill(outside, 0.0)
        probs = torch.zeros_like(probs).scatter_(-1, order, sorted_probs)
    cdf = probs.double().cumsum(-1)
    u = torch.rand((probs.shape[0], 1), generator=generator, device=probs.device, dtype=torch.float64) * cdf[:, -1:]
    # The first entry whose cumulative mass exceeds u; zero-probability entries never do.
    return torch.searchsorted(cdf, u, right=True).clamp_(max=probs.shape[-1] - 1).squeeze(-1)


def _growing_cache(model):
    """A DynamicCache whose layers append into preallocated room instead of concatenating the
    whole cache at every token; None (the model's default cache) for sliding-window models."""
    cfg = getattr(model, "config", None)
    types = set(getattr(cfg, "layer_types", None) or ["full_attention"])
    if getattr(cfg, "sliding_window", None) or types != {"full_attention"}:
        return None
    from transformers.cache_utils import Cache, DynamicCache, DynamicLayer

    class GrowingLayer(DynamicLayer):
        def lazy_initialization(self, key_states, value_states):
            super().lazy_initialization(key_states, value_states)
            self._kbuf = self._vbuf = None
            self._len = 0

        def update(self, key_states, value_states, *args, **kwargs):
            if not self.is_initialized:
                self.lazy_initialization(key_states, value_states)
            n = key_states.shape[-2]
            if self._kbuf is None or self._len + n > self._kbuf.shape[-2]:
                cap = max(2 * (self._len + n), 64)
                kb = key_states.new_empty(*key_states.shape[:2], cap, key_states.shape[-1])
                vb = value_states.new_empty(*value_states.shape[:2], cap, value_states.shape[-1])
                if self._len:
                    kb[:, :, : self._len] = self.keys
                    vb[:, :, : self._len] = self.values
                self._kbuf, self._vbuf = kb, vb
            self._kbuf[:, :, self._len : self._len + n] = key_states
            self._vbuf[:, :, self._len : self._len + n] = value_states
            self._len += n
            self.keys, self.values = self._kbuf[:, :, : self._len], self._vbuf[:, :, : self._len]
            return self.keys, self.values

        def batch_repeat_interleave(self, repeats: int) -> None:
            if self._len:
                self._kbuf = self._kbuf.repeat_interleave(repeats, dim=0)
                self._vbuf = self._vbuf.repeat_interleave(repeats, dim=0)
                self.keys, self.values = self._kbuf[:, :, : self._len], self._vbuf[:, :, : self._len]

        def batch_select_indices(self, indices) -> None:
            if self._len:
                self._kbuf, self._vbuf = self._kbuf[indices], self._vbuf[indices]
                self.keys, self.values = self._kbuf[:, :, : self._len], self._vbuf[:, :, : self._len]

    class GrowingCache(DynamicCache):
        def __init__(self):
            Cache.__init__(self, layer_class_to_replicate=GrowingLayer)

    return GrowingCache()


class _StopMatcher:
    """Finds stop strings in a growing response, decoding only after tokens whose text holds
    the last character of some stop string."""

    def __init__(self, tokenizer: Any, stop: Sequence[str]):
        self.tokenizer = tokenizer
        self.stop = [s for s in stop if s]
        self.last_chars = {s[-1] for s in self.stop}
        self.tail = 2 * max((len(s) for s in self.stop), default=0) + 2
        self._can_end: dict[int, bool] = {}

    def hit(self, ids: list[int]) -> bool:
        if not self.stop:
            return False
        t = ids[-1]
        can = self._can_end.get(t)
        if can is None:
            text = self.tokenizer.decode([t], skip_special_tokens=True)
            # An incomplete UTF-8 piece decodes to U+FFFD: decode the tail to be safe.
            can = self._can_end[t] = any(c in text for c in self.last_chars) or "\ufffd" in text
        if not can:
            return False
        tail = self.tokenizer.decode(ids[-self.tail :], skip_special_tokens=True)
        return any(s in tail for s in self.stop)


class HFRollout:
    """Batched sampling with a transformers causal LM (CPU or GPU) and its KV cache."""

    def __init__(self, model: Any, tokenizer: Any, batch_size: int = 256, device: Any = None):
        import torch

        self.model, self.tokenizer = model, tokenizer
        self.batch_size = max(1, batch_size)
        self.device = torch.device(device) if device is not None else next(model.parameters()).device
        self.eos_ids = eos_ids_of(model, tokenizer)
        pad = tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else min(self.eos_ids) if self.eos_ids else 0

    def generate(self, prompts: Sequence[str], n: int, max_new_tokens: int, temperature: float = 1.0,
                 top_p: float = 1.0, stop: Sequence[str] = (), seed: int = 0) -> RolloutBatch:
        import torch

        prompt_ids = encode_prompts(self.tokenizer, prompts)
        generator = torch.Generator(device=self.device).manual_seed(int(seed))
        matcher = _StopMatcher(self.tokenizer, stop)
        per_call = max(1, self.batch_size // max(1, n))
        batch = RolloutBatch()
        was_training = self.model.training
        self.model.eval()
        try:
            for start in range(0, len(prompt_ids), per_call):
                chunk = prompt_ids[start : start + per_call]
                part = self._sample(chunk, n, max_new_tokens, temperature, top_p, matcher, generator, stop)
                batch.extend(part, group_offset=start)
        finally:
            self.model.train(was_training)
        return batch

    def _sample(self, chunk, n, max_new_tokens, temperature, top_p, matcher, generator, stop) -> RolloutBatch:
        import torch

        dev = self.device
        width = max(len(p) for p in chunk)
        ids = torch.full((len(chunk), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for i, p in enumerate(chunk):
            ids[i, width - len(p) :] = torch.tensor(p, dtype=torch.long)
            mask[i, width - len(p) :] = 1
        ids, mask = ids.to(dev), mask.to(dev)
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        total = len(chunk) * n
        responses: list[list[int]] = [[] for _ in range(total)]
        finish = ["length"] * total
        with torch.inference_mode():
            out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=_growing_cache(self.model),
                             use_cache=True, logits_to_keep=1)
            cache = out.past_key_values
            logits = out.logits[:, -1, :].repeat_interleave(n, dim=0)
            cache.batch_repeat_interleave(n)
            # The attention mask of every step is a prefix of one preallocated buffer.
            mask = torch.cat([mask, mask.new_ones((mask.shape[0], max_new_tokens))], dim=1).repeat_interleave(n, dim=0)
            last_pos = pos[:, -1].repeat_interleave(n, dim=0)
            rows = list(range(total))  # batch row -> sample index
            alive = [True] * total  # by batch row
            for t in range(max_new_tokens):
                tokens = sample_tokens(logits, temperature, top_p, generator)
                for r, tok in enumerate(tokens.tolist()):
                    if not alive[r]:
                        continue
                    sample = rows[r]
                    responses[sample].append(tok)
                    if tok in self.eos_ids or matcher.hit(responses[sample]):
                        finish[sample] = "stop"
                        alive[r] = False
                n_alive = sum(alive)
                if n_alive == 0 or t == max_new_tokens - 1:
                    break
                if len(alive) - n_alive >= max(1, len(alive) // 4):
                    # Enough finished rows to be worth a copy of the cache: drop them.
                    keep = [r for r, a in enumerate(alive) if a]
                    keep_t = torch.tensor(keep, device=dev)
                    cache.batch_select_indices(keep_t)
                    mask, last_pos, tokens = mask[keep_t], last_pos[keep_t], tokens[keep_t]
                    rows = [rows[r] for r in keep]
                    alive = [True] * len(keep)
                last_pos = last_pos + 1
                out = self.model(input_ids=tokens.unsqueeze(-1), attention_mask=mask[:, : width + t + 1],
                                 position_ids=last_pos.unsqueeze(-1), past_key_values=cache, use_cache=True)
                logits = out.logits[:, -1, :]
        texts = [truncate_at_stop(self.tokenizer.decode(r, skip_special_tokens=True), stop)[0] for r in responses]
        return RolloutBatch([list(chunk[i // n]) for i in range(total)], responses, texts, finish, [i // n for i in range(total)])


# --------------------------------------------------------------------------------------------
# vLLM
# --------------------------------------------------------------------------------------------


def vllm_model_of(llm: Any) -> Any:
    """The torch model inside an offline vllm.LLM, to load new weights into. vLLM's V0 engine
    and the in-process V1 engine (VLLM_ENABLE_V1_MULTIPROCESSING=0) both reach it through the
    driver worker (V1's worker wrapper forwards to its worker)."""
    executor = getattr(getattr(llm, "llm_engine", None), "model_executor", None)
    worker = getattr(executor, "driver_worker", None)
    for path in (("model_runner", "model"), ("worker", "model_runner", "model")):
        node = worker
        for name in path:
            node = getattr(node, name, None)
        if node is not None and hasattr(node, "load_weights"):
            return node
    raise RolloutError("cannot reach the model inside vLLM to push weights: run vLLM in-process "
                       "(VLLM_ENABLE_V1_MULTIPROCESSING=0, tensor_parallel_size 1)")


class VLLMRollout:
    """Sampling with vLLM's offline engine; the policy's weights are pushed after each update."""

    def __init__(self, model_dir: str, tokenizer: Any, seed: int = 0, dtype: str = "auto", **engine_args: Any):
        import importlib.util
        import os

        if importlib.util.find_spec("vllm") is None:
            raise RolloutError("rollout.backend vllm: vllm is not installed (pip install -e '.[vllm]')")
        # The weight push needs the model in this process.
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        from vllm import LLM

        self.tokenizer = tokenizer
        self.llm = LLM(model=str(model_dir), seed=seed, dtype=dtype, **engine_args)

    def push_weights(self, named_params: Iterable[tuple[str, Any]]) -> None:
        model = vllm_model_of(self.llm)
        model.load_weights((name, p.detach()) for name, p in named_params)
        reset = getattr(self.llm, "reset_prefix_cache", None)
        if reset is not None:
            reset()  # cached prefixes hold the old weights' keys and values

    def generate(self, prompts: Sequence[str], n: int, max_new_tokens: int, temperature: float = 1.0,
                 top_p: float = 1.0, stop: Sequence[str] = (), seed: int = 0) -> RolloutBatch:
        from vllm import SamplingParams

        prompt_ids = encode_prompts(self.tokenizer, prompts)
        params = SamplingParams(n=n, temperature=temperature, top_p=top_p, max_tokens=max_new_tokens,
                                stop=list(stop) or None, seed=int(seed))
        outputs = self.llm.generate([{"prompt_token_ids": ids} for ids in prompt_ids], params, use_tqdm=False)
        batch = RolloutBatch()
        for g, (ids, out) in enumerate(zip(prompt_ids, outputs)):
            for o in out.outputs:
                batch.prompt_ids.append(list(ids))
                batch.response_ids.append(list(o.token_ids))
                batch.texts.append(o.text)
                batch.finish.append("length" if o.finish_reason == "length" else "stop")
                batch.group.append(g)
        return batch


# --------------------------------------------------------------------------------------------
# The forward pass over prompts + responses
# --------------------------------------------------------------------------------------------


@dataclass
class PackedBatch:
    """[left-padded prompt | right-padded response] rows: every response starts at one column,
    so logits are computed for the response part only (logits_to_keep)."""

    input_ids: Any
    attention_mask: Any
    position_ids: Any
    response: Any  # (B, R) response tokens (pad after the end)
    response_mask: Any  # (B, R) 1 on real response tokens


def pack_batch(prompt_ids: Sequence[Sequence[int]], response_ids: Sequence[Sequence[int]], pad_id: int, device: Any = None) -> PackedBatch:
    import torch

    P = max(len(p) for p in prompt_ids)
    R = max(max((len(r) for r in response_ids), default=0), 1)
    B = len(prompt_ids)
    ids = torch.full((B, P + R), pad_id, dtype=torch.long)
    mask = torch.zeros((B, P + R), dtype=torch.long)
    for i, (p, r) in enumerate(zip(prompt_ids, response_ids)):
        ids[i, P - len(p) : P] = torch.tensor(list(p), dtype=torch.long)
        mask[i, P - len(p) : P] = 1
        if r:
            ids[i, P : P + len(r)] = torch.tensor(list(r), dtype=torch.long)
            mask[i, P : P + len(r)] = 1
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    batch = PackedBatch(ids, mask, pos, ids[:, P:].clone(), mask[:, P:].clone())
    if device is not None:
        for name in ("input_ids", "attention_mask", "position_ids", "response", "response_mask"):
            setattr(batch, name, getattr(batch, name).to(device))
    return batch


def response_logprobs(model: Any, batch: PackedBatch, temperature: float = 1.0, with_entropy: bool = False,
                      entropy_grad: bool = False):
    """log p(response token) under the model for each response position, and the entropy of
    its distribution there (None unless asked; differentiable only with entropy_grad).
    Gradients flow when the caller allows them."""
    from train.grpo_loss import entropy_from_logits, token_logprobs

    R = batch.response.shape[1]
    out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, position_ids=batch.position_ids,
                use_cache=False, logits_to_keep=R + 1)
    logits = out.logits[:, :-1, :]  # position t predicts token t + 1
    logp = token_logprobs(logits, batch.response, temperature)
    entropy = None
    if with_entropy and entropy_grad:
        entropy = entropy_from_logits(logits, temperature)
    elif with_entropy:
        import torch

        with torch.no_grad():
            entropy = entropy_from_logits(logits.detach(), temperature)
    return logp, entropy


# --------------------------------------------------------------------------------------------
# The same forward pass with each prompt computed once per group
# --------------------------------------------------------------------------------------------


@dataclass
class GroupedBatch:
    """Samples whose prompts repeat (G per prompt in GRPO): each distinct prompt once,
    left-padded, and every sample's response right-padded; `owner[i]` is sample i's prompt row."""

    prompt_ids: Any  # (U, P)
    prompt_mask: Any  # (U, P)
    owner: Any  # (N,)
    response: Any  # (N, R)
    response_mask: Any  # (N, R)


def pack_grouped(prompt_ids: Sequence[Sequence[int]], response_ids: Sequence[Sequence[int]], pad_id: int, device: Any = None) -> GroupedBatch:
    import torch

    rows: dict[tuple, int] = {}
    owner = [rows.setdefault(tuple(p), len(rows)) for p in prompt_ids]
    uniq = list(rows)
    P = max(len(p) for p in uniq)
    R = max(max((len(r) for r in response_ids), default=0), 1)
    ids = torch.full((len(uniq), P), pad_id, dtype=torch.long)
    mask = torch.zeros((len(uniq), P), dtype=torch.long)
    for i, p in enumerate(uniq):
        ids[i, P - len(p) :] = torch.tensor(p, dtype=torch.long)
        mask[i, P - len(p) :] = 1
    resp = torch.full((len(response_ids), R), pad_id, dtype=torch.long)
    rmask = torch.zeros((len(response_ids), R), dtype=torch.long)
    for i, r in enumerate(response_ids):
        if r:
            resp[i, : len(r)] = torch.tensor(list(r), dtype=torch.long)
            rmask[i, : len(r)] = 1
    batch = GroupedBatch(ids, mask, torch.tensor(owner, dtype=torch.long), resp, rmask)
    if device is not None:
        for name in ("prompt_ids", "prompt_mask", "owner", "response", "response_mask"):
            setattr(batch, name, getattr(batch, name).to(device))
    return batch


def grouped_logprobs(model: Any, batch: GroupedBatch, temperature: float = 1.0, with_entropy: bool = False,
                     entropy_grad: bool = False):
    """response_logprobs() for a GroupedBatch: the prompts go through the model once, their
    key/value cache is repeated for the samples that share them (a differentiable gather, so
    the prompt positions still get their gradient), then the responses run on top of it.
    With G samples per prompt the prompt costs 1/G of what the flat pass pays."""
    import torch

    from train.grpo_loss import entropy_from_logits, token_logprobs

    pos = (batch.prompt_mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=batch.prompt_ids, attention_mask=batch.prompt_mask, position_ids=pos, use_cache=True, logits_to_keep=1)
    first = out.logits[:, -1, :][batch.owner].unsqueeze(1)  # predicts response token 0
    R = batch.response.shape[1]
    if R > 1:
        cache = out.past_key_values
        cache.batch_select_indices(batch.owner)
        inputs = batch.response[:, :-1]  # the last token is only ever a target
        mask = torch.cat([batch.prompt_mask[batch.owner], torch.ones_like(inputs)], dim=1)
        rpos = pos[batch.owner, -1:] + 1 + torch.arange(R - 1, device=inputs.device).unsqueeze(0)
        rest = model(input_ids=inputs, attention_mask=mask, position_ids=rpos, past_key_values=cache, use_cache=True).logits
        logits = torch.cat([first, rest], dim=1)
    else:
        logits = first
    logp = token_logprobs(logits, batch.response, temperature)
    entropy = None
    if with_entropy and entropy_grad:
        entropy = entropy_from_logits(logits, temperature)
    elif with_entropy:
        with torch.no_grad():
            entropy = entropy_from_logits(logits.detach(), temperature)
    return logp, entropy
