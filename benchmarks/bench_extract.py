"""Pages/s and TeX retention of math-aware extraction vs datatrove's Trafilatura step.

    python benchmarks/bench_extract.py [--repeat 3] [--sample-pages 240]

Same pages for every extractor: the fidelity fixtures of tests/curation/test_mathhtml.py (one
page per math markup family, as sites emit it), the generated sample (curation/sample.py) and
the real pages in ../shared/data/warc (skipped where absent). Extractors:

  octo fast       curation.extract.extract_fast: math preprocessor + resiliparse main content
  octo precise    curation.extract.extract_precise: math preprocessor + trafilatura (precision)
  datatrove traf  datatrove.pipeline.extractors.Trafilatura(favour_precision=True), its defaults
                  (1 s timeout per page, trafilatura in a sandbox subprocess), run as a step
  resiliparse     extract_plain_text(main_content=True), no preprocessing

Retention: the share of the pages' TeX fragments as written in the source (math scripts, TeX
annotations, alt texts, raw $...$ / \\(...\\) ...) found inside delimiters in the output
(curation.mathhtml.tex_retention). Speed: best of --repeat runs, wall clock and CPU time
(this process + the sandbox child), pinned to one core. Ratios are against datatrove's step.
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_WARCS = ROOT.parent / "shared" / "data" / "warc"
sys.path.insert(0, str(ROOT))


def fixture_pages() -> list[tuple[str, str, str]]:
    spec = importlib.util.spec_from_file_location("math_fixtures", ROOT / "tests" / "curation" / "test_mathhtml.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [("fixtures", f"https://fixtures.example/{name}", html) for name, (html, _, _) in module.PAGES.items()]


def sample_pages(n: int) -> list[tuple[str, str, str]]:
    from curation.sample import sample_pages as generate

    return [("sample", p.url, p.html) for p in generate(n, seed=3) if p.html and p.status == 200]


def real_pages() -> list[tuple[str, str, str]]:
    from curation.warc import iter_pages

    out = []
    for path in sorted(SHARED_WARCS.glob("*.warc*")) if SHARED_WARCS.is_dir() else []:
        try:
            for page in iter_pages(str(path)):
                if not page.error and page.http_status == 200 and "html" in page.content_type:
                    out.append(("real", page.url, page.html))
        except (OSError, gzip.BadGzipFile):
            continue
    return out


# --- the extractors: each takes the page list, returns the texts in order ----------------------
def octo_fast(pages):
    from curation.extract import extract_fast

    return [extract_fast(html, url).text for _, url, html in pages]


def octo_precise(pages):
    from curation.extract import extract_precise

    return [extract_precise(html, url).text for _, url, html in pages]


def datatrove_trafilatura(pages):
    from datatrove.data import Document
    from datatrove.pipeline.extractors import Trafilatura

    docs = [Document(text=html, id=str(i), metadata={"url": url}) for i, (_, url, html) in enumerate(pages)]
    out = {d.id: d.text for d in Trafilatura(favour_precision=True).run(iter(docs))}
    return [out.get(str(i), "") for i in range(len(pages))]  # timed out / empty: no text


def plain_resiliparse(pages):
    from resiliparse.extract.html2text import extract_plain_text

    return [extract_plain_text(html, main_content=True, alt_texts=False) for _, _, html in pages]


EXTRACTORS = [
    ("octo fast (math + resiliparse)", octo_fast),
    ("octo precise (math + trafilatura)", octo_precise),
    ("datatrove Trafilatura step", datatrove_trafilatura),
    ("resiliparse main content", plain_resiliparse),
]
ANCHOR = "datatrove Trafilatura step"


def cpu_seconds() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(fn, pages, repeat: int):
    best_wall = best_cpu = float("inf")
    texts = None
    for _ in range(repeat):
        w, c = time.perf_counter(), cpu_seconds()
        texts = fn(pages)
        best_wall = min(best_wall, time.perf_counter() - w)
        best_cpu = min(best_cpu, cpu_seconds() - c)
    return texts, best_wall, best_cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3, help="runs per extractor; the fastest counts")
    ap.add_argument("--sample-pages", type=int, default=240, help="pages of the generated sample")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import datatrove.pipeline.extractors  # noqa: F401 - sets up its logger; quiet it after
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="ERROR")
    from curation.mathhtml import tex_retention

    pages = fixture_pages() + sample_pages(args.sample_pages) + real_pages()
    sets = sorted({s for s, _, _ in pages})
    counts = {s: sum(1 for p in pages if p[0] == s) for s in sets}
    print("input: " + ", ".join(f"{counts[s]} {s} pages" for s in sets) + f" = {len(pages)} pages, "
          f"{sum(len(h) for _, _, h in pages) / 1e6:.1f} MB of HTML")
    # Each set is timed on its own (best of --repeat), so the table also shows speed per set.
    results = {}
    for name, fn in EXTRACTORS:
        wall, cpu, found = {}, {}, {}
        for s in sets:
            subset = [p for p in pages if p[0] == s]
            texts, wall[s], cpu[s] = measure(fn, subset, args.repeat)
            found[s] = [0, 0]
            for (_, _, html), text in zip(subset, texts):
                f, t = tex_retention(html, text)
                found[s][0] += f
                found[s][1] += t
        results[name] = (wall, cpu, found)
    anchor_wall, anchor_cpu, _ = results[ANCHOR]
    n = len(pages)

    print("\nspeed: pages/s (wall clock, best run) and ratio to the anchor; cpu: this process + children")
    head = f"{'extractor':36s}" + "".join(f" {s + ' p/s':>14s} {'x':>6s}" for s in sets)
    print(head + f" {'all p/s':>10s} {'x wall':>7s} {'cpu p/s':>10s} {'x cpu':>7s}")
    for name, (wall, cpu, _) in results.items():
        row = f"{name:36s}"
        for s in sets:
            row += f" {counts[s] / wall[s]:14.1f} {anchor_wall[s] / wall[s]:6.2f}"
        tw, tc = sum(wall.values()), sum(cpu.values())
        row += f" {n / tw:10.1f} {sum(anchor_wall.values()) / tw:7.2f} {n / tc:10.1f} {sum(anchor_cpu.values()) / tc:7.2f}"
        print(row)

    print("\nTeX retention: fragments found inside delimiters / fragments in the source (count)")
    print(f"{'extractor':36s}" + "".join(f" {s:>16s}" for s in sets) + f" {'all':>16s}")
    for name, (_, _, found) in results.items():
        row = f"{name:36s}"
        for s in sets:
            f, t = found[s]
            row += f" {f / t if t else float('nan'):9.3f} ({t:4d})"
        f_all, t_all = sum(v[0] for v in found.values()), sum(v[1] for v in found.values())
        row += f" {f_all / t_all if t_all else float('nan'):9.3f} ({t_all:4d})"
        print(row)


if __name__ == "__main__":
    main()
