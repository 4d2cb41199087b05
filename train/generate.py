"""Text generation for evaluation and GRPO rollouts: batched transformers (CPU or GPU), or vLLM
when it is installed.

    gen = load_generator("runs/stable/hf", backend="auto")
    completions = gen.generate(prompts, SamplingConfig(n=4, temperature=0.6, max_new_tokens=512,
                                                       stop=["\\n\\nQuestion:"]))
    completions[i][j].text  # j-th sample for prompt i, cut before its stop string

torch, transformers and vllm are imported only by the generator that needs them.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Sequence

log = logging.getLogger(__name__)


@dataclass
class SamplingConfig:
    n: int = 1
    temperature: float = 0.0  # 0: greedy
    top_p: float = 1.0
    max_new_tokens: int = 512
    stop: list[str] = field(default_factory=list)
    seed: int = 0


@dataclass
class Completion:
    text: str
    token_ids: list[int]
    finish_reason: str  # "stop" (eos or a stop string) | "length"


def truncate_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """Text before the first stop string, and whether one was found."""
    cut = len(text)
    for s in stop:
        if s:
            i = text.find(s)
            if i != -1:
                cut = min(cut, i)
    return text[:cut], cut < len(text)


def _stop_criteria(tokenizer, stop: Sequence[str], prompt_len: int):
    """A transformers StoppingCriteria that ends each sequence once its new text holds a stop
    string, decoding only the tail of every sequence per step."""
    import torch
    from transformers import StoppingCriteria

    tail_tokens = max(8, 2 * max(len(s) for s in stop))

    class StopOnStrings(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            done = []
            for row in input_ids:
                new = row[prompt_len:]
                tail = tokenizer.decode(new[-tail_tokens:], skip_special_tokens=True)
                done.append(any(s in tail for s in stop))
            return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    return StopOnStrings()


class TransformersGenerator:
    """Batched generation with a transformers causal LM.

    model: a directory or hub id, or an already loaded model (GRPO passes its policy) together
    with its tokenizer. tokenizer: a loaded tokenizer, a directory, or None (the model's).
    """

    def __init__(self, model: Any, tokenizer: Any = None, device: str | None = None, dtype: str = "auto", batch_size: int = 8):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        if isinstance(tokenizer, str) or hasattr(tokenizer, "__fspath__"):
            tokenizer = AutoTokenizer.from_pretrained(str(tokenizer))
        if isinstance(model, str) or hasattr(model, "__fspath__"):
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # keep eval's stdout/stderr to its own lines
            name = str(model)
            self.tokenizer = tokenizer or AutoTokenizer.from_pretrained(name)
            self.model = AutoModelForCausalLM.from_pretrained(name, dtype=_torch_dtype(dtype, self.device)).to(self.device)
        else:
            if tokenizer is None:
                raise ValueError("a loaded model needs its tokenizer")
            self.model, self.tokenizer = model, tokenizer
        self.model.eval()
        self.batch_size = max(1, batch_size)
        self.tokenizer.padding_side = "left"  # generation continues from the right edge
        if self.tokenizer.pad_token_id is None:
            fallback = self.tokenizer.eos_token or self.tokenizer.unk_token
            if fallback is None:
                raise ValueError("the tokenizer has no pad, eos or unk token to pad batches with")
            self.tokenizer.pad_token = fallback
        eos = self.model.generation_config.eos_token_id
        if eos is None:
            eos = self.tokenizer.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, (list, tuple)) else [] if eos is None else [eos])

    def chat_template(self):
        """A function message -> prompt through the tokenizer's chat template, or None."""
        if not getattr(self.tokenizer, "chat_template", None):
            return None

        def apply(message: str) -> str:
            return self.tokenizer.apply_chat_template(
                [{"role": "user", "content": message}], tokenize=False, add_generation_prompt=True
            )

        return apply

    def generate(self, prompts: Sequence[str], sampling: SamplingConfig) -> list[list[Completion]]:
        import torch

        n = max(1, sampling.n)
        per_batch = max(1, self.batch_size // n)
        # Similar lengths together: less padding per batch.
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]), reverse=True)
        results: list[list[Completion] | None] = [None] * len(prompts)
        torch.manual_seed(sampling.seed)
        for start in range(0, len(order), per_batch):
            idx = order[start : start + per_batch]
            batch = [prompts[i] for i in idx]
            for i, completions in zip(idx, self._generate_batch(batch, sampling, n)):
                results[i] = completions
        return results  # type: ignore[return-value]

    def _generate_batch(self, batch: list[str], sampling: SamplingConfig, n: int) -> list[list[Completion]]:
        import torch

        bos = self.tokenizer.bos_token
        # A chat template already wrote the BOS token into the text.
        add_special = not (bos and all(p.startswith(bos) for p in batch))
        enc = self.tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=add_special).to(self.device)
        prompt_len = enc["input_ids"].shape[1]
        kwargs: dict[str, Any] = dict(
            max_new_tokens=sampling.max_new_tokens,
            num_return_sequences=n,
            pad_token_id=self.tokenizer.pad_token_id,
        )
        if sampling.temperature > 0:
            kwargs.update(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if sampling.stop:
            from transformers import StoppingCriteriaList

            kwargs["stopping_criteria"] = StoppingCriteriaList([_stop_criteria(self.tokenizer, sampling.stop, prompt_len)])
        with torch.inference_mode():
            out = self.model.generate(**enc, **kwargs)
        new_tokens = out[:, prompt_len:].tolist()
        pad_id = self.tokenizer.pad_token_id
        completions: list[list[Completion]] = []
        for p in range(len(batch)):
            samples = []
            for row in new_tokens[p * n : (p + 1) * n]:
                # A sequence that finished early is right-padded by generate().
                while row and row[-1] == pad_id and pad_id not in self.eos_ids:
                    row.pop()
                ids, finish = [], "length"
                for t in row:
                    if t in self.eos_ids:
                        finish = "stop"
                        break
                    ids.append(t)
                text = self.tokenizer.decode(ids, skip_special_tokens=True)
                text, stopped = truncate_at_stop(text, sampling.stop)
                # token_ids keep the stop string's tokens: they were generated (and scored).
                samples.append(Completion(text, ids, "stop" if stopped else finish))
            completions.append(samples)
        return completions


class VLLMGenerator:
    """Generation with vLLM's offline engine (GPU)."""

    def __init__(self, model: str, dtype: str = "auto", tensor_parallel_size: int = 1, seed: int = 0, **engine_kwargs: Any):
        from vllm import LLM

        self.llm = LLM(model=str(model), dtype=dtype, tensor_parallel_size=tensor_parallel_size, seed=seed, **engine_kwargs)
        self.tokenizer = self.llm.get_tokenizer()

    def chat_template(self):
        if not getattr(self.tokenizer, "chat_template", None):
            return None

        def apply(message: str) -> str:
            return self.tokenizer.apply_chat_template(
                [{"role": "user", "content": message}], tokenize=False, add_generation_prompt=True
            )

        return apply

    def generate(self, prompts: Sequence[str], sampling: SamplingConfig) -> list[list[Completion]]:
        from vllm import SamplingParams

        params = SamplingParams(
            n=max(1, sampling.n),
            temperature=sampling.temperature,
            top_p=sampling.top_p if sampling.temperature > 0 else 1.0,
            max_tokens=sampling.max_new_tokens,
            stop=list(sampling.stop) or None,
            seed=sampling.seed,
        )
        outputs = self.llm.generate(list(prompts), params)
        return [
            [Completion(o.text, list(o.token_ids), "length" if o.finish_reason == "length" else "stop") for o in out.outputs]
            for out in outputs
        ]


def vllm_available() -> bool:
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        return False
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def load_generator(
    model: str,
    backend: str = "auto",
    tokenizer: str | None = None,
    device: str | None = None,
    dtype: str = "auto",
    batch_size: int = 8,
    tensor_parallel_size: int = 1,
    seed: int = 0,
):
    """A generator for a model directory or hub id. backend: auto (vllm when installed with a
    GPU, else transformers) | transformers | vllm."""
    if backend == "auto":
        backend = "vllm" if vllm_available() else "transformers"
    if backend == "vllm":
        extra = {"tokenizer": str(tokenizer)} if tokenizer else {}
        return VLLMGenerator(model, dtype=dtype, tensor_parallel_size=tensor_parallel_size, seed=seed, **extra)
    if backend == "transformers":
        return TransformersGenerator(model, tokenizer=tokenizer, device=device, dtype=dtype, batch_size=batch_size)
    raise ValueError(f"unknown generation backend {backend!r} (auto, transformers, vllm)")


def _torch_dtype(dtype: str, device):
    import torch

    if dtype == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    try:
        return getattr(torch, dtype)
    except AttributeError:
        raise ValueError(f"unknown dtype {dtype!r}") from None
