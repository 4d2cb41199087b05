"""Runs pipelines in dependency order on datatrove executors, with resume and change detection.

Resume is datatrove's: each stage's executor keeps `completions/<rank>` under
`logs/<pipeline>/<stage>/`, and a rerun only runs ranks without one. Every output file is named by
rank and replaced, never appended (curation/docio.py), so a rerun doubles nothing.

Change detection is ours: `logs/<pipeline>/octo_run.json` holds a fingerprint of the pipeline's
config, its inputs (files and sizes, or the fingerprints of the pipelines it reads) and the task
count. A rerun into the same output with another fingerprint would mix old completions with new
work, so it stops with a RunConflict unless `force`, which clears that pipeline's output first.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass

from curation.config import RootConfig, dump_pipeline_config, load_builder, run_order
from curation.context import PipelineContext, Stage


class RunConflict(Exception):
    """Output holds a run of different config or input; one line, exit 2."""


class RunFailed(Exception):
    """Some tasks of a stage did not complete; one line, exit 1."""


@dataclass
class RunOptions:
    output: str
    executor: str = "local"
    tasks: int | None = None
    workers: int | None = None
    limit: int | None = None
    input_override: str | None = None
    force: bool = False


def _file_signature(path: str) -> dict:
    if "://" in path:
        return {"path": path}
    st = os.stat(path)
    return {"path": os.path.abspath(path), "size": st.st_size, "mtime": int(st.st_mtime)}


# How an LLM is reached changes no answer: a server back at another URL, or more concurrency,
# resumes the same run rather than asking for --force.
LLM_TRANSPORT_FIELDS = ("base_url", "api_key_env", "concurrency", "timeout_s", "max_retries",
                        "retry_base_s", "retry_max_s", "batch_size")


def _config_for_fingerprint(cfg: RootConfig, name: str) -> dict:
    config = dump_pipeline_config(cfg, name)
    llm = config.get("llm")
    if isinstance(llm, dict):
        config["llm"] = {k: v for k, v in llm.items() if k not in LLM_TRANSPORT_FIELDS}
    for key in ("tasks", "workers"):  # the effective task count is recorded on its own
        config.pop(key, None)
    return config


def _state_path(ctx: PipelineContext) -> str:
    return os.path.join(ctx.logs_dir(), "octo_run.json")


def read_state(output: str, name: str) -> dict | None:
    path = os.path.join(output, "logs", name, "octo_run.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def fingerprint(ctx: PipelineContext, cfg: RootConfig) -> tuple[str, dict]:
    pcfg = ctx.pcfg
    inputs: dict = {}
    if ctx.name == "web":
        from curation.pipelines.web import input_files

        inputs["files"] = [_file_signature(p) for p in input_files(ctx)]
    for dep in pcfg.depends_on:
        state = read_state(ctx.output, dep)
        if state:
            inputs[f"pipeline:{dep}"] = state["fingerprint"]
        else:  # data a user put there: its files are the input
            files = sorted(os.listdir(ctx.data_dir(dep))) if os.path.isdir(ctx.data_dir(dep)) else []
            inputs[f"pipeline:{dep}"] = [_file_signature(os.path.join(ctx.data_dir(dep), f)) for f in files]
    if ctx.name == "mix":  # its sources are the YAML's top-level `mixes:` and the files they read
        from train.mix import input_signature

        inputs["mixes"] = input_signature(ctx)
    body = {
        "pipeline": ctx.name,
        "config": _config_for_fingerprint(cfg, ctx.name),
        "extra": ctx.extra,
        "inputs": inputs,
        "tasks": ctx.tasks,
        "limit": ctx.limit,
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return digest, body


def clear_pipeline_output(ctx: PipelineContext) -> None:
    for path in (os.path.join(ctx.output, ctx.name), ctx.stats_dir(), ctx.logs_dir()):
        shutil.rmtree(path, ignore_errors=True)


def make_executor(kind: str, stage: Stage, ctx: PipelineContext, cfg: RootConfig, depends=None):
    logging_dir = os.path.join(ctx.logs_dir(), stage.name)
    workers = min(stage.workers or stage.tasks, stage.tasks)
    if kind == "local":
        from datatrove.executor import LocalPipelineExecutor

        return LocalPipelineExecutor(pipeline=stage.steps, tasks=stage.tasks, workers=workers,
                                     logging_dir=logging_dir, skip_completed=True)
    if kind == "ray":
        from datatrove.executor import RayPipelineExecutor

        r = cfg.executor.ray
        return RayPipelineExecutor(pipeline=stage.steps, tasks=stage.tasks, workers=workers,
                                   logging_dir=logging_dir, skip_completed=True,
                                   cpus_per_task=r.cpus_per_task, mem_per_cpu_gb=r.mem_per_cpu_gb)
    if kind == "slurm":
        from datatrove.executor import SlurmPipelineExecutor

        s = cfg.executor.slurm
        return SlurmPipelineExecutor(
            pipeline=stage.steps, tasks=stage.tasks, workers=workers if stage.workers else -1,
            time=s.time, partition=s.partition, qos=s.qos, cpus_per_task=s.cpus_per_task,
            mem_per_cpu_gb=s.mem_per_cpu_gb, logging_dir=logging_dir, depends=depends,
            job_name=f"octo-{ctx.name}-{stage.name}", sbatch_args=s.sbatch_args or None,
            env_command=s.env_command, skip_completed=True,
        )
    raise ValueError(f"executor {kind!r}: expected local, ray or slurm")


def incomplete_ranks(logging_dir: str, tasks: int) -> list[int]:
    done = os.path.join(logging_dir, "completions")
    return [r for r in range(tasks) if not os.path.exists(os.path.join(done, f"{r:05d}"))]


def _ensure_ray(cfg: RootConfig) -> None:
    import ray

    if not ray.is_initialized():
        address = cfg.executor.ray.address
        ray.init(address=address) if address else ray.init()


def run_pipelines(cfg: RootConfig, names: list[str], opts: RunOptions, say=print) -> list[str]:
    """Run `names` (dependency-ordered) and return the names that ran or were complete."""
    kind = opts.executor
    if kind == "ray":
        _ensure_ray(cfg)
    previous = None  # slurm: chain every stage on the one before
    finished = []
    for name in run_order(cfg, names):
        pcfg = getattr(cfg.pipelines, name)
        if not pcfg.enabled:
            say(f"{name}: disabled in the config, skipped")
            continue
        ctx = PipelineContext(
            name=name, config=cfg, output=opts.output,
            tasks=opts.tasks or pcfg.tasks or cfg.executor.tasks,
            workers=opts.workers or pcfg.workers or cfg.executor.workers,
            limit=opts.limit, input_override=opts.input_override if name == "web" else None,
        )
        _check_input_exists(ctx, kind)
        digest, body = fingerprint(ctx, cfg)
        state = read_state(opts.output, name)
        if state and state["fingerprint"] != digest:
            if not opts.force:
                raise RunConflict(
                    f"{name}: {opts.output} holds a run with a different config or input "
                    f"({_what_changed(state.get('body', {}), body)}); rerun with --force to start "
                    f"this pipeline over, or choose another --output"
                )
            say(f"{name}: --force: clearing the previous run's output")
            clear_pipeline_output(ctx)
            state = None
        if state and state.get("status") == "done" and kind != "slurm":
            say(f"{name}: complete, nothing to do (resumed run)")
            finished.append(name)
            continue
        os.makedirs(ctx.logs_dir(), exist_ok=True)
        _write_state(ctx, digest, body, "running")
        stages = load_builder(name)(ctx)
        started = time.time()
        for stage in stages:
            logging_dir = os.path.join(ctx.logs_dir(), stage.name)
            todo = len(incomplete_ranks(logging_dir, stage.tasks))
            say(f"{name}/{stage.name}: {stage.tasks} task(s), {todo} to run on {kind}")
            executor = make_executor(kind, stage, ctx, cfg, depends=previous)
            try:
                executor.run()
            except Exception as e:
                raise RunFailed(f"{name}/{stage.name}: a task failed ({type(e).__name__}: {e}); "
                                f"logs in {logging_dir}; rerun to resume") from e
            if kind == "slurm":
                previous = executor
                continue
            left = incomplete_ranks(logging_dir, stage.tasks)
            if left:
                raise RunFailed(f"{name}/{stage.name}: {len(left)} task(s) did not complete (ranks "
                                f"{left[:10]}); logs in {logging_dir}; rerun to resume")
        if kind != "slurm":
            _write_state(ctx, digest, body, "done")
            say(f"{name}: done in {time.time() - started:.1f}s")
        finished.append(name)
    return finished


def _check_input_exists(ctx: PipelineContext, kind: str) -> None:
    """A pipeline reading another's output needs that output to exist (slurm: it may not yet)."""
    pcfg = ctx.pcfg
    if ctx.name == "mix" or not pcfg.depends_on or kind == "slurm":
        return  # mix names its sources in `mixes:` and checks them itself
    folder = ctx.input_data_dir()
    if not glob.glob(os.path.join(folder, "*.parquet")):
        raise RunConflict(f"{ctx.name}: no input: {folder} holds no parquet; run the "
                          f"{pcfg.depends_on[0]} pipeline first, or put parquet with columns "
                          f"id, text, url, metadata there")


def _write_state(ctx: PipelineContext, digest: str, body: dict, status: str) -> None:
    tmp = _state_path(ctx) + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"fingerprint": digest, "status": status, "body": body}, f, indent=1, default=str)
    os.replace(tmp, _state_path(ctx))


def _what_changed(old: dict, new: dict) -> str:
    changed = [k for k in ("config", "inputs", "tasks", "limit", "extra") if json.dumps(old.get(k), sort_keys=True, default=str) != json.dumps(new.get(k), sort_keys=True, default=str)]
    return "changed: " + ", ".join(changed) if changed else "changed"
