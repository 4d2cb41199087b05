"""Config building blocks shared by every pipeline's config model.

Each pipeline owns its config model next to its code (curation/pipelines/web.py, refine/config.py,
...); this module holds what they share. Models forbid unknown fields so a typo in pipelines.yaml
is an error that names the field path, not a silently ignored setting.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class PipelineBase(StrictModel):
    """Fields every pipeline has."""

    enabled: bool = True
    depends_on: list[str] = Field(default_factory=list)
    # None: take executor.tasks / executor.workers.
    tasks: int | None = Field(default=None, ge=1)
    workers: int | None = Field(default=None, ge=1)


class LLMConfig(StrictModel):
    """The LLM of a pipeline (`pipelines.<name>.llm`)."""

    backend: Literal["vllm", "openai", "transformers", "none"] = "none"
    model: str | None = None
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    api: Literal["chat", "completions"] = "chat"
    temperature: float = Field(default=0.0, ge=0)
    top_p: float = Field(default=1.0, gt=0, le=1)
    max_tokens: int = Field(default=4096, ge=1)
    concurrency: int = Field(default=64, ge=1)
    timeout_s: float = Field(default=600.0, gt=0)
    max_retries: int = Field(default=6, ge=0)
    batch_size: int = Field(default=8, ge=1)
    tensor_parallel_size: int = Field(default=1, ge=1)
    device: str | None = None
    dtype: str = "auto"
    seed: int = 0
    # Tokenizer (path or HF id) used to render chat messages where we render them ourselves
    # (transformers, vllm, the completions API); None: the model's own, or plain text for
    # the completions API.
    tokenizer: str | None = None
    # Retry waits of the openai backend: full-jitter exponential backoff from retry_base_s,
    # each wait at most retry_max_s (a server's Retry-After is honoured up to that bound).
    retry_base_s: float = Field(default=0.5, ge=0)
    retry_max_s: float = Field(default=60.0, ge=0)
    # Extra keyword arguments for vllm.LLM (gpu_memory_utilization, max_model_len, ...).
    engine_args: dict[str, Any] = Field(default_factory=dict)


class SlurmConfig(StrictModel):
    partition: str | None = None
    time: str = "24:00:00"
    cpus_per_task: int = 1
    mem_per_cpu_gb: float = 2
    qos: str | None = None
    sbatch_args: dict[str, str] = Field(default_factory=dict)
    env_command: str | None = None


class RayConfig(StrictModel):
    address: str | None = None  # None: start or join the local Ray instance
    cpus_per_task: int = 1
    mem_per_cpu_gb: float = 2


class ExecutorConfig(StrictModel):
    type: Literal["local", "ray", "slurm"] = "local"
    tasks: int = Field(default=1, ge=1)
    workers: int = Field(default=1, ge=1)
    slurm: SlurmConfig = Field(default_factory=SlurmConfig)
    ray: RayConfig = Field(default_factory=RayConfig)
