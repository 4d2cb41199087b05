"""Fixtures of the refine tests: the tiny chat model (built once per session) and input data."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    import torch

    from llm_server import build_tiny_chat_model

    torch.set_num_threads(1)
    return build_tiny_chat_model(str(tmp_path_factory.mktemp("tiny-llm")))
