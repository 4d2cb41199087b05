"""backend: vllm - offline batched generation with vllm.LLM (imported only here).

Each datatrove task builds its own engine (`tensor_parallel_size` GPUs each), so data
parallelism is datatrove's tasks: on a node with G GPUs, run G / tensor_parallel_size tasks at
once (executor workers) and each task takes its own slice of the GPUs (`task_gpus`), unless
CUDA_VISIBLE_DEVICES was already narrowed for it (Slurm, Ray). vLLM schedules the whole batch
itself (continuous batching), so a step hands it as many requests as it has.

The seams below (`task_gpus`, `sampling_kwargs`, `generation_from_output`) are plain functions
so they are tested without a GPU.
"""
from __future__ import annotations

import os
import time

from refine.llm import LLM, Generation, Messages, MaxTokens, OnResult, messages_to_text, per_request_max_tokens


def task_gpus(rank: int, tensor_parallel_size: int, visible: list[str]) -> list[str] | None:
    """The GPUs of task `rank` when ranks share a node: slot rank % (len(visible) // tp).

    None when there is no choice to make (no more GPUs than one engine uses).
    """
    slots = len(visible) // tensor_parallel_size
    if slots <= 1:
        return None
    slot = rank % slots
    return visible[slot * tensor_parallel_size : (slot + 1) * tensor_parallel_size]


def visible_gpus() -> list[str]:
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        return [d for d in env.split(",") if d.strip()]
    try:
        import torch

        return [str(i) for i in range(torch.cuda.device_count())]
    except ImportError:  # pragma: no cover
        return []


def sampling_kwargs(cfg, max_tokens: int) -> dict:
    """vllm.SamplingParams arguments of one request."""
    return {"max_tokens": int(max_tokens), "temperature": cfg.temperature, "top_p": cfg.top_p, "seed": cfg.seed}


def generation_from_output(out, latency_s: float) -> Generation:
    """A vllm RequestOutput (prompt_token_ids, outputs[0].text/token_ids/finish_reason) as a Generation."""
    if not getattr(out, "outputs", None):
        return Generation(None, None, None, latency_s, error="vllm returned no completion")
    first = out.outputs[0]
    prompt_ids = getattr(out, "prompt_token_ids", None)
    token_ids = getattr(first, "token_ids", None)
    return Generation(
        text=first.text,
        tokens_in=len(prompt_ids) if prompt_ids is not None else None,
        tokens_out=len(token_ids) if token_ids is not None else None,
        latency_s=latency_s,
        finish_reason=getattr(first, "finish_reason", None),
    )


class VLLMOfflineLLM(LLM):
    backend = "vllm"

    def __init__(self, cfg, rank: int | None = None):
        try:
            from vllm import LLM as Engine
        except ImportError:
            raise RuntimeError("llm.backend vllm needs the vllm package: pip install -e '.[vllm]' (on a GPU machine)") from None
        self.cfg = cfg
        self.model_name = cfg.model
        if rank is not None and cfg.device is None:
            gpus = task_gpus(rank, cfg.tensor_parallel_size, visible_gpus())
            if gpus is not None:
                os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)
        self.engine = Engine(
            model=cfg.model,
            tokenizer=cfg.tokenizer or cfg.model,
            tensor_parallel_size=cfg.tensor_parallel_size,
            dtype=cfg.dtype,
            seed=cfg.seed,
            **cfg.engine_args,
        )
        tokenizer = self.engine.get_tokenizer()
        self.has_chat_template = bool(getattr(tokenizer, "chat_template", None))

    def generate(self, requests: list[Messages], max_tokens: MaxTokens = None, on_result: OnResult = None) -> list[Generation]:
        from vllm import SamplingParams

        if not requests:
            return []
        limits = per_request_max_tokens(len(requests), max_tokens, self.cfg.max_tokens)
        params = [SamplingParams(**sampling_kwargs(self.cfg, m)) for m in limits]
        started = time.perf_counter()
        try:
            if self.has_chat_template:
                outputs = self.engine.chat(requests, sampling_params=params, use_tqdm=False)
            else:
                outputs = self.engine.generate([messages_to_text(m) for m in requests], params, use_tqdm=False)
        except (RuntimeError, ValueError) as e:
            msg = f"{e.__class__.__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            gens = [Generation(None, None, None, 0.0, error=msg) for _ in requests]
        else:
            latency = (time.perf_counter() - started) / len(requests)
            gens = [generation_from_output(o, latency) for o in outputs]
        if on_result is not None:
            for i, g in enumerate(gens):
                on_result(i, g)
        return gens

    def close(self) -> None:
        self.engine = None
