"""What a pipeline builder receives, and what it returns."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stage:
    """One datatrove executor's worth of work. Stages of a pipeline run in order."""

    name: str
    steps: list
    tasks: int
    workers: int | None = None


@dataclass
class PipelineContext:
    name: str
    config: Any  # curation.config.RootConfig
    output: str
    tasks: int
    workers: int
    limit: int | None = None
    input_override: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def pcfg(self):
        """This pipeline's own config section."""
        return getattr(self.config.pipelines, self.name)

    def data_dir(self, pipeline: str | None = None) -> str:
        return os.path.join(self.output, pipeline or self.name, "data")

    def excluded_dir(self, pipeline: str | None = None) -> str:
        return os.path.join(self.output, pipeline or self.name, "excluded")

    def stats_dir(self, pipeline: str | None = None) -> str:
        return os.path.join(self.output, "stats", pipeline or self.name)

    def logs_dir(self, pipeline: str | None = None) -> str:
        return os.path.join(self.output, "logs", pipeline or self.name)

    def work_dir(self, pipeline: str | None = None) -> str:
        """Intermediate files of multi-stage pipelines (signatures, buckets, ...)."""
        return os.path.join(self.output, pipeline or self.name, "work")

    @property
    def models_dir(self) -> str:
        return os.path.join(self.output, "models")

    def resolve(self, path: str) -> str:
        """A path from the YAML: absolute as is, `models/...` under output, else as given."""
        if os.path.isabs(path) or "://" in path:
            return path
        if path.startswith("models/") or path.startswith("mixes/"):
            return os.path.join(self.output, path)
        return path

    def input_data_dir(self) -> str:
        """Data folder of the pipeline this one reads (its first `depends_on`)."""
        deps = self.pcfg.depends_on
        if not deps:
            raise ValueError(f"pipelines.{self.name}.depends_on: names no input pipeline")
        return self.data_dir(deps[0])
