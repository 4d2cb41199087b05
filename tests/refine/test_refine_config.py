"""pipelines.refine in the YAML: the committed recipe, --set overrides, errors naming the field."""
from __future__ import annotations

import os

import pytest

from curation.config import ConfigError, load_config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECIPE = os.path.join(ROOT, "pipelines.yaml")


def test_committed_recipe_refines_offline_with_backend_none():
    cfg = load_config(RECIPE).pipelines.refine
    assert cfg is not None and cfg.llm.backend == "none"


def test_set_overrides_switch_to_a_server():
    cfg = load_config(RECIPE, [
        "pipelines.refine.llm.backend=openai",
        "pipelines.refine.llm.base_url=http://127.0.0.1:8000/v1",
        "pipelines.refine.llm.model=meta-llama/Llama-3.3-70B-Instruct",
        "pipelines.refine.llm.concurrency=256",
    ]).pipelines.refine
    assert (cfg.llm.backend, cfg.llm.base_url, cfg.llm.concurrency) == ("openai", "http://127.0.0.1:8000/v1", 256)


@pytest.mark.parametrize("sets,needle", [
    (["pipelines.refine.llm.backend=openai"], "llm.base_url: required"),
    (["pipelines.refine.llm.backend=vllm"], "llm.model: required"),
    (["pipelines.refine.min_latex_kept=1.5"], "pipelines.refine.min_latex_kept"),
    (["pipelines.refine.max_length_ratio=0.1"], "max_length_ratio must be above"),
    (["pipelines.refine.llm.backend=gpt"], "pipelines.refine.llm.backend"),
    (["pipelines.refine.tempreature=0"], "pipelines.refine.tempreature: unknown field"),
])
def test_bad_values_name_the_field(sets, needle):
    with pytest.raises(ConfigError, match=needle.replace(".", r"\.")):
        load_config(RECIPE, sets)
