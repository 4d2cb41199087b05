"""The vllm backend at its seams (GPU placement, sampling parameters, output conversion); the
engine itself only where vllm and a GPU are present."""
from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest

from curation.schema import LLMConfig
from refine.vllm_backend import generation_from_output, sampling_kwargs, task_gpus


def test_task_gpus_gives_each_task_its_own_slice():
    eight = [str(i) for i in range(8)]
    assert task_gpus(0, 2, eight) == ["0", "1"]
    assert task_gpus(3, 2, eight) == ["6", "7"]
    assert task_gpus(5, 2, eight) == ["2", "3"]  # rank 5 of 4 slots: slot 1
    assert task_gpus(1, 8, eight) is None  # one engine takes the node: nothing to choose
    assert task_gpus(0, 1, ["0"]) is None
    assert task_gpus(2, 1, ["4", "5", "6"]) == ["6"]  # CUDA_VISIBLE_DEVICES ids are kept


def test_sampling_kwargs_from_config():
    cfg = LLMConfig(backend="vllm", model="m", temperature=0.7, top_p=0.9, seed=3)
    assert sampling_kwargs(cfg, 123) == {"max_tokens": 123, "temperature": 0.7, "top_p": 0.9, "seed": 3}


def test_request_output_conversion():
    out = SimpleNamespace(prompt_token_ids=[1, 2, 3, 4],
                          outputs=[SimpleNamespace(text="$x = 2$", token_ids=[7, 8], finish_reason="stop")])
    g = generation_from_output(out, 0.25)
    assert (g.text, g.tokens_in, g.tokens_out, g.latency_s, g.finish_reason, g.ok) == ("$x = 2$", 4, 2, 0.25, "stop", True)
    empty = generation_from_output(SimpleNamespace(prompt_token_ids=[1], outputs=[]), 0.1)
    assert not empty.ok and "no completion" in empty.error


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed")
def test_missing_vllm_is_a_clear_error():
    from refine.llm import make_llm

    with pytest.raises(RuntimeError, match="needs the vllm package"):
        make_llm(LLMConfig(backend="vllm", model="m"))


def test_real_engine_on_the_tiny_model(request):
    if importlib.util.find_spec("vllm") is None:
        pytest.skip("vllm is not installed")
    import torch

    if not torch.cuda.is_available():
        pytest.skip("vllm needs a GPU")
    from refine.llm import make_llm

    tiny_model = request.getfixturevalue("tiny_model")  # built only when the engine can run

    llm = make_llm(LLMConfig(backend="vllm", model=tiny_model, max_tokens=8, dtype="float32",
                             engine_args={"gpu_memory_utilization": 0.2, "enforce_eager": True}), rank=0)
    gens = llm.generate([[{"role": "user", "content": "Solve $x+1=2$."}]] * 3, max_tokens=[2, 4, None])
    assert all(g.ok for g in gens)
    assert [g.tokens_out <= m for g, m in zip(gens, [2, 4, 8])] == [True] * 3
