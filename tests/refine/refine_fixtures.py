"""Helpers of the refine tests: math pages as a pipeline's input, running the refine stage."""
from __future__ import annotations

import glob
import json
import os
from types import SimpleNamespace

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from curation.docio import DOC_SCHEMA

PAGES = [
    "Quadratic equations. To solve $x^2 - 5x + 6 = 0$ we factor it as $(x-2)(x-3) = 0$, so $x = 2$ or "
    "$x = 3$. In general the roots of $ax^2 + bx + c = 0$ are $x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}$. "
    "Share this page on Twitter. Related posts: 10 tips for exams.",
    "Pythagorean theorem: in a right triangle with legs $a$, $b$ and hypotenuse $c$ we have "
    "$$a^2 + b^2 = c^2.$$ For example $3^2 + 4^2 = 9 + 16 = 25 = 5^2$. Comments (3) Login to reply.",
    "The derivative of $\\sin x$ is $\\cos x$ and the derivative of $e^x$ is $e^x$. By the chain rule "
    "\\(\\frac{d}{dx} e^{2x} = 2e^{2x}\\). Subscribe to our newsletter for more calculus tips!",
    "Problem: a train travels 120 km in 2 hours. What is its average speed? Solution: speed = distance / "
    "time = 120 / 2 = 60 km/h. Next problem | Previous problem | Home",
    "Sum of an arithmetic series: $1 + 2 + \\dots + n = \\frac{n(n+1)}{2}$. Proof by induction: for "
    "$n = 1$ both sides are $1$; if it holds for $n$, adding $n+1$ gives $\\frac{(n+1)(n+2)}{2}$.",
    "Matrices. The determinant of \\[\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}\\] is $ad - bc$. "
    "A matrix is invertible exactly when its determinant is nonzero. Cookie settings. Accept all.",
    "Probability: the chance of at least one six in four rolls of a die is $1 - (5/6)^4 \\approx 0.518$. "
    "This is the classic problem of the Chevalier de Mere. Advertisement.",
    "Limits: $\\lim_{x \\to 0} \\frac{\\sin x}{x} = 1$. This follows from the squeeze theorem with "
    "$\\cos x \\le \\frac{\\sin x}{x} \\le 1$ near $0$. Posted by admin on 12 March.",
    "Prime numbers: there are infinitely many primes. Suppose $p_1, \\dots, p_k$ are all of them; then "
    "$N = p_1 \\cdots p_k + 1$ has a prime factor not in the list. Contradiction. Tags: number theory.",
    "Fractions: to add $\\frac{1}{3} + \\frac{1}{4}$ use the common denominator 12: "
    "$\\frac{4}{12} + \\frac{3}{12} = \\frac{7}{12}$. Print this worksheet. Back to top.",
    "Geometric series: for $|r| < 1$, $\\sum_{k=0}^{\\infty} r^k = \\frac{1}{1-r}$. With $r = 1/2$ the "
    "sum is $2$. Download the PDF. Share. Like.",
    "Logarithms: $\\log_b(xy) = \\log_b x + \\log_b y$ and $\\log_b(x^k) = k \\log_b x$. So "
    "$\\log_2 8 = 3$ because $2^3 = 8$. Sign up for free lessons.",
]


def write_input(out: str, n: int = 12, pipeline: str = "rextract", scores=None, files: int = 1) -> list[str]:
    """n math pages as `<out>/<pipeline>/data/*.parquet`; returns their ids."""
    folder = os.path.join(out, pipeline, "data")
    os.makedirs(folder, exist_ok=True)
    rows = []
    for i in range(n):
        md = {"url": f"https://math.example/{i}", "domain": "math.example", "lang": "en",
              "math_score": (scores[i] if scores else 0.9)}
        rows.append({"id": f"doc-{i:03d}", "text": PAGES[i % len(PAGES)], "url": md["url"], "metadata": json.dumps(md)})
    for f in range(files):
        part = rows[f::files]
        pq.write_table(pa.Table.from_pylist(part, schema=DOC_SCHEMA), os.path.join(folder, f"{f:05d}.parquet"))
    return [r["id"] for r in rows]


def refine_ctx(out: str, cfg, tasks: int = 1, limit=None):
    from curation.context import PipelineContext

    config = SimpleNamespace(pipelines=SimpleNamespace(refine=cfg))
    return PipelineContext(name="refine", config=config, output=str(out), tasks=tasks, workers=1, limit=limit)


def run_refine(out: str, cfg, tasks: int = 1, limit=None) -> None:
    """Build the refine stages and run them on datatrove's LocalPipelineExecutor."""
    from datatrove.executor import LocalPipelineExecutor

    from refine.pipeline import build

    ctx = refine_ctx(out, cfg, tasks, limit)
    for stage in build(ctx):
        LocalPipelineExecutor(pipeline=stage.steps, tasks=stage.tasks, workers=1,
                              logging_dir=os.path.join(ctx.logs_dir(), stage.name)).run()


def stats_rows(out: str) -> list[dict]:
    con = duckdb.connect()
    cur = con.execute(f"select * from read_parquet('{out}/stats/refine/*.parquet') order by doc_id")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def parquet_rows(folder: str) -> list[dict]:
    files = sorted(glob.glob(os.path.join(folder, "**", "*.parquet"), recursive=True))
    if not files:
        return []
    con = duckdb.connect()
    cur = con.execute(f"select * from read_parquet({files!r})")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def stored_answers(out: str) -> list[dict]:
    rows = []
    for path in glob.glob(os.path.join(out, "cache", "refine", "answers", "*.jsonl")):
        with open(path, "rb") as f:
            for line in f:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return rows


# Random-weight answers are gibberish: these bounds let them through so outcomes are 'ok'.
LOOSE = dict(min_length_ratio=0.0, max_length_ratio=1000, min_latex_kept=0, reject_truncated=False, check_language=False)


def assert_one_outcome_each(out: str, ids: list[str]) -> list[dict]:
    rows = stats_rows(out)
    assert sorted(r["doc_id"] for r in rows) == sorted(ids)  # one stats row per document
    kept = [r["id"] for r in parquet_rows(os.path.join(out, "refine", "data"))]
    excluded = [r["id"] for r in parquet_rows(os.path.join(out, "refine", "excluded"))]
    assert sorted(kept + excluded) == sorted(ids)  # each written once, in data or excluded
    assert sorted(kept) == sorted(r["doc_id"] for r in rows if r["status"] == "kept")
    return rows
