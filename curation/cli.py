"""`octo-curate`: run the curation pipelines of pipelines.yaml, validate it, query the stats."""
from __future__ import annotations

import argparse
import sys

from curation.config import PIPELINE_BUILDERS, ConfigError, load_config


class CliError(Exception):
    """A usage error: one line on stderr, exit 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="octo-curate", description="Curate Common Crawl into a math corpus (MegaMath recipe) on datatrove.")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the pipelines of a recipe (dependency order, resumable)")
    run.add_argument("config", help="pipelines.yaml")
    run.add_argument("--only", help="comma-separated pipeline names (default: all declared)")
    run.add_argument("--input", help="WARC path or glob (or URL) replacing the web pipeline's source")
    run.add_argument("--output", help="output folder (default: the YAML's `output`)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="DOTTED.PATH=VALUE",
                     help="override a YAML field, value parsed as YAML (repeatable)")
    run.add_argument("--executor", choices=["local", "ray", "slurm"], help="default: the YAML's executor.type")
    run.add_argument("--tasks", type=int, help="tasks per stage (default: executor.tasks)")
    run.add_argument("--workers", type=int, help="tasks run at once (default: executor.workers)")
    run.add_argument("--limit", type=int, help="read at most N documents per task (a quick look)")
    run.add_argument("--force", action="store_true", help="start a pipeline over when its config or input changed")

    val = sub.add_parser("validate", help="check a pipelines.yaml; errors name the field path")
    val.add_argument("config")
    val.add_argument("--set", dest="overrides", action="append", default=[], metavar="DOTTED.PATH=VALUE")

    st = sub.add_parser("stats", help="DuckDB over the per-document stats of an output folder")
    st.add_argument("dir", help="an output folder (holds stats/<pipeline>/*.parquet)")
    st.add_argument("--query", default="funnel", help="funnel (default), domains, scores, refine")
    st.add_argument("--sql", help="any SQL; the view `docs` holds every stats row")
    st.add_argument("--format", choices=["table", "csv", "json"], default="table")
    st.add_argument("--pipeline", help="only this pipeline's rows")
    st.add_argument("--report", metavar="FILE.html", help="also write an HTML report with the funnel and score histograms")
    return p


def cmd_run(args) -> int:
    from curation.pipelines.web import InputError
    from curation.runner import RunOptions, run_pipelines

    cfg = load_config(args.config, args.overrides)
    declared = cfg.pipelines.declared()
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        for n in names:
            if n not in PIPELINE_BUILDERS:
                raise CliError(f"--only: unknown pipeline {n!r} (known: {', '.join(PIPELINE_BUILDERS)})")
            if n not in declared:
                raise CliError(f"--only: pipeline {n!r} is not declared under `pipelines:` in {args.config}")
    else:
        names = declared
    if not names:
        raise CliError(f"{args.config}: declares no pipelines")
    for flag in ("tasks", "workers", "limit"):
        v = getattr(args, flag)
        if v is not None and v < 1:
            raise CliError(f"--{flag}: must be at least 1")
    opts = RunOptions(
        output=args.output or cfg.output, executor=args.executor or cfg.executor.type,
        tasks=args.tasks, workers=args.workers, limit=args.limit, input_override=args.input, force=args.force,
    )
    try:
        run_pipelines(cfg, names, opts, say=lambda m: print(f"octo-curate: {m}", file=sys.stderr, flush=True))
    except InputError as e:
        raise CliError(str(e)) from None
    return 0


def cmd_validate(args) -> int:
    cfg = load_config(args.config, args.overrides)
    print(f"{args.config}: ok (pipelines: {', '.join(cfg.pipelines.declared()) or 'none'}; mixes: {', '.join(cfg.mixes) or 'none'})")
    return 0


def cmd_stats(args) -> int:
    from curation import statsquery

    try:
        out = statsquery.run_query(args.dir, query=args.query, sql=args.sql, fmt=args.format, pipeline=args.pipeline)
    except statsquery.StatsError as e:
        raise CliError(str(e)) from None
    print(out)
    if args.report:
        statsquery.write_report(args.dir, args.report)
        print(f"report written to {args.report}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from curation.runner import RunConflict, RunFailed

    handlers = {"run": cmd_run, "validate": cmd_validate, "stats": cmd_stats}
    try:
        return handlers[args.command](args)
    except (ConfigError, CliError, RunConflict) as e:
        print(f"octo-curate: error: {e}", file=sys.stderr)
        return 2
    except RunFailed as e:
        print(f"octo-curate: failed: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
