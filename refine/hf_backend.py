"""backend: transformers - local batched generation with any AutoModelForCausalLM (CPU or GPU).

Requests are rendered with the tokenizer's chat template when it has one (plain text
otherwise), sorted by length so a batch pads little, and generated `llm.batch_size` at a time
with left padding. Each request is cut at its own token budget and at the first end-of-sequence
token; `latency_s` is the batch's wall time divided by its size (amortised).
"""
from __future__ import annotations

import time

from refine.llm import LLM, Generation, Messages, MaxTokens, OnResult, per_request_max_tokens, render_chat


def pick_device(requested: str | None) -> str:
    import torch

    if requested:
        return requested
    if torch.cuda.is_available():
        return "cuda"
    return "cpu"


def torch_dtype(name: str, device: str):
    import torch

    if name == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    try:
        return getattr(torch, name)
    except AttributeError:
        raise ValueError(f"llm.dtype: unknown torch dtype {name!r}") from None


class TransformersLLM(LLM):
    backend = "transformers"

    def __init__(self, cfg):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.cfg = cfg
        self.model_name = cfg.model
        self.device = pick_device(cfg.device)
        self.tokenizer = AutoTokenizer.from_pretrained(cfg.tokenizer or cfg.model)
        self.tokenizer.padding_side = "left"  # decoder-only: new tokens follow the prompt directly
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(cfg.model, dtype=torch_dtype(cfg.dtype, self.device))
        self.model.to(self.device).eval()
        self.eos_ids = self._eos_ids()
        self.context_len = getattr(self.model.config, "max_position_embeddings", None)

    def _eos_ids(self) -> set[int]:
        ids = set()
        gen_eos = getattr(self.model.generation_config, "eos_token_id", None)
        for value in (gen_eos, self.tokenizer.eos_token_id):
            if isinstance(value, int):
                ids.add(value)
            elif value:
                ids.update(value)
        return ids

    def generate(self, requests: list[Messages], max_tokens: MaxTokens = None, on_result: OnResult = None) -> list[Generation]:
        limits = per_request_max_tokens(len(requests), max_tokens, self.cfg.max_tokens)
        rendered = [render_chat(self.tokenizer, msgs) for msgs in requests]
        order = sorted(range(len(requests)), key=lambda i: len(rendered[i][0]))
        results: list[Generation | None] = [None] * len(requests)
        size = self.cfg.batch_size
        for start in range(0, len(order), size):
            idx = order[start : start + size]
            try:
                gens = self._generate_batch([rendered[i] for i in idx], [limits[i] for i in idx])
            except (RuntimeError, ValueError) as e:  # e.g. out of memory, a prompt over the context
                msg = f"{e.__class__.__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                gens = [Generation(None, None, None, 0.0, error=msg) for _ in idx]
            for i, gen in zip(idx, gens):
                results[i] = gen
                if on_result is not None:
                    on_result(i, gen)
        return results  # type: ignore[return-value]

    def _generate_batch(self, rendered: list[tuple[str, bool]], limits: list[int]) -> list[Generation]:
        import torch

        # A batch mixes templated and plain prompts only if the caller mixes them; the template
        # already holds the special tokens, plain text gets the tokenizer's own.
        add_special = not rendered[0][1]
        enc = self.tokenizer([t for t, _ in rendered], return_tensors="pt", padding=True, add_special_tokens=add_special)
        enc = {k: v.to(self.device) for k, v in enc.items()}
        n_prompt = enc["input_ids"].shape[1]
        budget = max(limits)
        if self.context_len and n_prompt + budget > self.context_len:
            budget = self.context_len - n_prompt
            if budget < 1:
                raise ValueError(f"prompt of {n_prompt} tokens fills the model's context of {self.context_len}")
        kwargs = {"max_new_tokens": budget, "pad_token_id": self.tokenizer.pad_token_id}
        if self.cfg.temperature > 0:
            torch.manual_seed(self.cfg.seed)
            kwargs.update(do_sample=True, temperature=self.cfg.temperature, top_p=self.cfg.top_p)
        else:
            kwargs.update(do_sample=False)
        started = time.perf_counter()
        with torch.no_grad():
            out = self.model.generate(**enc, **kwargs)
        latency = (time.perf_counter() - started) / len(rendered)
        tokens_in = enc["attention_mask"].sum(dim=1).tolist()
        gens = []
        for row, limit, n_in in zip(out[:, n_prompt:].tolist(), limits, tokens_in):
            row = row[:limit]
            finish = "length"
            for pos, tok in enumerate(row):
                if tok in self.eos_ids:
                    row, finish = row[:pos], "stop"
                    break
            text = self.tokenizer.decode(row, skip_special_tokens=True)
            gens.append(Generation(text, int(n_in), len(row), latency, finish_reason=finish))
        return gens

    def close(self) -> None:
        self.model = None
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # pragma: no cover
            pass
