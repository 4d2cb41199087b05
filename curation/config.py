"""pipelines.yaml: loading, `--set` overrides, validation, and the pipeline registry.

Config is data: yaml.safe_load only, pydantic models that forbid unknown fields. Any problem is
a ConfigError whose message is one line naming the field path; the CLIs turn it into exit 2.
"""
from __future__ import annotations

import importlib
import os
from typing import Any

import yaml
from pydantic import Field, ValidationError

from classifiers.config import ClassifierPipelineConfig
from curation.pipelines.dedup import DedupConfig
from curation.pipelines.rextract import RextractConfig
from curation.pipelines.web import WebConfig
from curation.schema import ExecutorConfig, StrictModel
from refine.config import RefineConfig
from train.config import MixConfig, MixPipelineConfig, RLConfig, TrainConfig

# name -> "module:function" building the pipeline's stages; imported only when the pipeline runs.
PIPELINE_BUILDERS = {
    "web": "curation.pipelines.web:build",
    "classifier": "classifiers.pipeline:build",
    "dedup": "curation.pipelines.dedup:build",
    "rextract": "curation.pipelines.rextract:build",
    "refine": "refine.pipeline:build",
    "mix": "train.mix:build",
}


class ConfigError(Exception):
    """A bad config or command line: one line, exit code 2."""


class PipelinesConfig(StrictModel):
    web: WebConfig | None = None
    classifier: ClassifierPipelineConfig | None = None
    dedup: DedupConfig | None = None
    rextract: RextractConfig | None = None
    refine: RefineConfig | None = None
    mix: MixPipelineConfig | None = None

    def declared(self) -> list[str]:
        return [n for n in PIPELINE_BUILDERS if getattr(self, n) is not None]


class RootConfig(StrictModel):
    output: str = "out"
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)
    pipelines: PipelinesConfig = Field(default_factory=PipelinesConfig)
    mixes: dict[str, MixConfig] = Field(default_factory=dict)
    train: TrainConfig = Field(default_factory=TrainConfig)
    rl: RLConfig | None = None


def _format_error(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        path = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        parts.append(f"{path}: {msg}")
    return "; ".join(parts)


def apply_override(raw: dict, assignment: str) -> None:
    """`a.b.c=value` sets raw['a']['b']['c'] = yaml.safe_load(value)."""
    if "=" not in assignment:
        raise ConfigError(f"--set {assignment!r}: expected DOTTED.PATH=VALUE")
    path, value = assignment.split("=", 1)
    keys = [k for k in path.strip().split(".") if k]
    if not keys:
        raise ConfigError(f"--set {assignment!r}: empty path")
    try:
        parsed = yaml.safe_load(value) if value != "" else ""
    except yaml.YAMLError as e:
        raise ConfigError(f"--set {path}: value is not valid YAML ({e.__class__.__name__})") from None
    node = raw
    for i, key in enumerate(keys[:-1]):
        nxt = node.get(key)
        if nxt is None:
            nxt = node[key] = {}
        if not isinstance(nxt, dict):
            raise ConfigError(f"--set {path}: {'.'.join(keys[: i + 1])} is not a mapping")
        node = nxt
    node[keys[-1]] = parsed


def load_raw(path: str) -> dict:
    if not os.path.exists(path):
        raise ConfigError(f"{path}: no such config file")
    try:
        with open(path, encoding="utf-8") as f:
            raw = yaml.safe_load(f)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: top level must be a mapping (output:, executor:, pipelines:, ...)")
    return raw


def validate(raw: dict, source: str = "config") -> RootConfig:
    try:
        cfg = RootConfig.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(f"{source}: {_format_error(e)}") from None
    declared = cfg.pipelines.declared()
    for name in declared:
        for dep in getattr(cfg.pipelines, name).depends_on:
            if dep not in PIPELINE_BUILDERS:
                raise ConfigError(f"{source}: pipelines.{name}.depends_on: unknown pipeline {dep!r}")
    try:
        run_order(cfg, declared)
    except ValueError as e:
        raise ConfigError(f"{source}: {e}") from None
    return cfg


def load_config(path: str, overrides: list[str] | None = None) -> RootConfig:
    raw = load_raw(path)
    for assignment in overrides or []:
        apply_override(raw, assignment)
    return validate(raw, path)


def run_order(cfg: RootConfig, names: list[str]) -> list[str]:
    """The named pipelines in dependency order (ties keep the registry's order).

    Dependencies outside `names` are not added: `--only dedup` runs dedup alone on whatever
    `web/data` holds, which is how a user runs later pipelines on their own parquet.
    """
    chosen = [n for n in PIPELINE_BUILDERS if n in names]
    done: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            raise ValueError(f"pipelines.{name}.depends_on: dependency cycle")
        visiting.add(name)
        pcfg = getattr(cfg.pipelines, name)
        for dep in pcfg.depends_on if pcfg else []:
            if dep in chosen:
                visit(dep)
        visiting.discard(name)
        done.append(name)

    for name in chosen:
        visit(name)
    return done


def load_builder(name: str):
    module, func = PIPELINE_BUILDERS[name].split(":")
    return getattr(importlib.import_module(module), func)


def dump_pipeline_config(cfg: RootConfig, name: str) -> dict[str, Any]:
    pcfg = getattr(cfg.pipelines, name)
    return pcfg.model_dump(mode="json") if pcfg is not None else {}
