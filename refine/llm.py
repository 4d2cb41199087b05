"""The LLM layer: one interface, several backends, chosen by `pipelines.<name>.llm.backend`.

    llm = make_llm(cfg)                       # cfg: curation.schema.LLMConfig
    gens = llm.generate([[{"role": "user", "content": "..."}], ...], max_tokens=[512, ...])
    gens[i].text, gens[i].tokens_in, gens[i].tokens_out, gens[i].latency_s, gens[i].error

Backends (each in its own module, imported only when chosen):
  openai        any OpenAI-compatible server (vllm serve, SGLang, TGI, ...) - refine/openai_backend.py
  transformers  local AutoModelForCausalLM, batched                    - refine/hf_backend.py
  vllm          offline batched generation with vllm.LLM               - refine/vllm_backend.py
  none          answers nothing; every request gets an error saying so

`generate` never raises for a failed request: the Generation carries `error`, and
`retryable=True` when asking again later may succeed (server down, rate limited, auth or model
name wrong), so a pipeline can stop its task and resume later instead of recording a failure.
`on_result(i, gen)` is called as each answer arrives, so callers can store answers before the
whole batch is done.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from refine.prompting import prompt_hash, render_prompt  # noqa: F401  (re-exported for callers)

Messages = list[dict]
MaxTokens = int | Sequence[int | None] | None
OnResult = Callable[[int, "Generation"], None] | None


@dataclass
class Generation:
    text: str | None
    tokens_in: int | None
    tokens_out: int | None
    latency_s: float
    error: str | None = None
    finish_reason: str | None = None  # 'stop' | 'length' | ... as the backend reports it
    retryable: bool = False  # the error is worth a later retry (not a verdict on the request)

    @property
    def ok(self) -> bool:
        return self.error is None and self.text is not None


class LLM:
    """Base class. Subclasses implement `generate` (sync) or `agenerate` (async), or both."""

    model_name: str = "none"
    backend: str = "none"

    def generate(self, requests: list[Messages], max_tokens: MaxTokens = None, on_result: OnResult = None) -> list[Generation]:
        raise NotImplementedError

    async def agenerate(self, requests: list[Messages], max_tokens: MaxTokens = None, on_result: OnResult = None) -> list[Generation]:
        """Async variant; local backends run `generate` in a worker thread."""
        import asyncio

        return await asyncio.to_thread(self.generate, requests, max_tokens, on_result)

    def close(self) -> None:
        """Release connections, threads, GPU memory."""

    async def aclose(self) -> None:
        """Release what `agenerate` holds for the calling event loop."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def per_request_max_tokens(n: int, max_tokens: MaxTokens, default: int) -> list[int]:
    """Expand the `max_tokens` argument (None, one int, or one per request) to one int each."""
    if max_tokens is None or isinstance(max_tokens, int):
        return [int(max_tokens or default)] * n
    values = list(max_tokens)
    if len(values) != n:
        raise ValueError(f"max_tokens has {len(values)} values for {n} requests")
    return [int(v) if v else default for v in values]


def messages_to_text(messages: Messages) -> str:
    """Plain rendering for models without a chat template (and the completions API without a
    tokenizer): the messages' contents separated by blank lines, ready for continuation."""
    parts = [m["content"] for m in messages if m.get("content")]
    return "\n\n".join(parts) + "\n\n"


def render_chat(tokenizer, messages: Messages) -> tuple[str, bool]:
    """Render with the tokenizer's chat template when it has one.

    Returns (text, templated): a templated text already carries the model's special tokens, so
    it must be tokenized without adding them again.
    """
    if tokenizer is not None and getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return text, True
    return messages_to_text(messages), False


class DisabledLLM(LLM):
    """backend: none - every request answered with an error naming the setting."""

    REASON = "llm.backend is none"

    def generate(self, requests, max_tokens=None, on_result=None):
        gens = [Generation(None, None, None, 0.0, error=self.REASON) for _ in requests]
        if on_result:
            for i, g in enumerate(gens):
                on_result(i, g)
        return gens


def make_llm(cfg, rank: int | None = None) -> LLM:
    """The LLM a config names. `rank` (a datatrove task rank) lets the vllm backend pick the
    GPUs of its task when several tasks share one node."""
    if cfg.backend == "none":
        return DisabledLLM()
    if not cfg.model and cfg.backend != "openai":
        raise ValueError(f"llm.model: required for backend {cfg.backend!r}")
    if cfg.backend == "openai":
        from refine.openai_backend import OpenAICompatibleLLM

        return OpenAICompatibleLLM(cfg)
    if cfg.backend == "transformers":
        from refine.hf_backend import TransformersLLM

        return TransformersLLM(cfg)
    if cfg.backend == "vllm":
        from refine.vllm_backend import VLLMOfflineLLM

        return VLLMOfflineLLM(cfg, rank=rank)
    raise ValueError(f"llm.backend: unknown backend {cfg.backend!r}")


__all__ = [
    "Generation",
    "LLM",
    "DisabledLLM",
    "make_llm",
    "render_prompt",
    "prompt_hash",
    "render_chat",
    "messages_to_text",
    "per_request_max_tokens",
]
