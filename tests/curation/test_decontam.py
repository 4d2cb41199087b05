"""Decontamination against GSM8K / MATH-500 text inserted into web-like documents."""
from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datatrove.executor import LocalPipelineExecutor

from curation.context import PipelineContext
from curation.decontam import BenchmarkError, BenchmarkIndex, build_index, load_benchmark_texts
from curation.dedup.config import BenchmarkFile, DecontamConfig
from curation.minhash import Normaliser
from curation.pipelines.dedup import DedupConfig, build

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
GSM8K = SHARED / "benchmarks" / "gsm8k" / "test.jsonl"
MATH500 = SHARED / "benchmarks" / "math500" / "test.jsonl"

FILLER = (
    "Welcome to our homework help forum. Posts are moderated and answers usually arrive within a day. "
    "Please read the rules before posting and be kind to other students. "
)


def shared_benchmarks():
    if not (GSM8K.is_file() and MATH500.is_file()):
        pytest.skip("../shared/data/benchmarks is absent")
    return [json.loads(line) for line in GSM8K.open()], [json.loads(line) for line in MATH500.open()]


def restyle(text: str) -> str:
    """What a web page does to a problem: other case, other spacing, punctuation, line breaks."""
    words = text.split()
    return "\n".join(" ".join(words[i : i + 7]).upper() + " ," for i in range(0, len(words), 7))


def run_dedup(out: Path, cfg: DedupConfig, tasks: int = 1) -> None:
    ctx = PipelineContext(name="dedup", config=SimpleNamespace(pipelines=SimpleNamespace(dedup=cfg)), output=str(out), tasks=tasks, workers=1)
    for stage in build(ctx):
        LocalPipelineExecutor(pipeline=stage.steps, tasks=stage.tasks, workers=1, logging_dir=str(out / "logs" / "dedup" / stage.name)).run()


def test_gsm8k_and_math_text_inside_documents_is_found(tmp_path):
    gsm, math = shared_benchmarks()
    cfg = DecontamConfig(benchmarks=[BenchmarkFile(name="gsm8k", path=str(GSM8K)), BenchmarkFile(name="math500", path=str(MATH500))])
    index = build_index(cfg)
    q = gsm[17]["question"]
    p = math[2]["problem"]  # LaTeX: \frac, $...$
    twelve = " ".join(Normaliser().text(gsm[40]["question"]).split()[:12])
    docs = [
        FILLER + restyle(q) + " Thanks in advance!",
        FILLER + "Here is the one I am stuck on: " + p + " Any hint?",
        FILLER * 3,
        FILLER + twelve,  # 12 words of a question: below the 13-gram
        FILLER + "The quadratic formula gives both roots of a x squared plus b x plus c equals zero at once.",
    ]
    matches = index.match(docs)
    assert matches[0].benchmark == "gsm8k" and matches[0].item == 17
    assert len(matches[0].ngram.split()) == 13 and matches[0].ngram in Normaliser().text(q)
    assert matches[1].benchmark == "math500" and matches[1].item == 2
    assert matches[2] is None and matches[3] is None and matches[4] is None
    assert str(matches[0]).startswith("gsm8k[17]: ")


def test_short_items_match_whole_and_fields_are_configurable(tmp_path):
    bench = tmp_path / "mine.parquet"
    pq.write_table(
        pa.table({"prompt": ["Find the largest prime divisor of 11! + 12!", "Compute 2+2.", "x" * 3], "other": ["a", "b", "c"]}),
        bench,
    )
    cfg = DecontamConfig(min_words=8, benchmarks=[BenchmarkFile(name="mine", path=str(bench), fields=["prompt"])])
    index = build_index(cfg)
    found = index.match(["so, find the LARGEST prime divisor of 11!+12! please", "compute 2 + 2 .", "find the largest prime divisor of 11"])
    assert found[0] is not None and found[0].ngram == "find the largest prime divisor of 11 12"
    assert found[1] is None  # 3 words < min_words: not indexed
    assert found[2] is None
    none = build_index(DecontamConfig(min_words=None, benchmarks=cfg.benchmarks))
    assert none.match(["find the largest prime divisor of 11 12"]) == [None]


def test_benchmark_formats_and_bad_files(tmp_path):
    good = tmp_path / "b.json"
    good.write_text(json.dumps({"test": [{"question": "q one two"}, {"question": "q three"}]}))
    assert load_benchmark_texts(BenchmarkFile(name="b", path=str(good))) == ["q one two", "q three"]
    lines = tmp_path / "c.jsonl"
    lines.write_text('{"problem": "p1"}\nnot json\n\n[1, 2]\n{"problem": "p2"}\n')
    assert load_benchmark_texts(BenchmarkFile(name="c", path=str(lines))) == ["p1", "p2"]  # bad lines skipped
    nofield = tmp_path / "d.jsonl"
    nofield.write_text('{"prompt": "p"}\n')
    with pytest.raises(BenchmarkError, match="set `fields`"):
        load_benchmark_texts(BenchmarkFile(name="d", path=str(nofield)))
    with pytest.raises(BenchmarkError, match="no such benchmark file"):
        load_benchmark_texts(BenchmarkFile(name="e", path=str(tmp_path / "missing.jsonl")))
    with pytest.raises(BenchmarkError, match="unknown benchmark format"):
        (tmp_path / "f.csv").write_text("a,b\n")
        load_benchmark_texts(BenchmarkFile(name="f", path=str(tmp_path / "f.csv")))


def test_missing_benchmark_file_is_a_one_line_config_error(tmp_path):
    from curation.config import ConfigError

    cfg = DedupConfig.model_validate({"decontaminate": {"benchmarks": [{"name": "gsm8k", "path": str(tmp_path / "nope.jsonl")}]}})
    ctx = PipelineContext(name="dedup", config=SimpleNamespace(pipelines=SimpleNamespace(dedup=cfg)), output=str(tmp_path), tasks=1, workers=1)
    with pytest.raises(ConfigError, match=r"pipelines\.dedup\.decontaminate\.benchmarks\[0\]\.path: .*nope\.jsonl: no such file") as err:
        build(ctx)
    assert "\n" not in str(err.value)


def test_pipeline_drops_contaminated_documents_with_the_ngram_in_stats(tmp_path):
    gsm, math = shared_benchmarks()
    rng = random.Random(0)
    docs = []
    for i in range(30):
        body = FILLER + " ".join(rng.choice(FILLER.split()) for _ in range(80)) + f" page {i} " + " ".join(f"tok{rng.randint(0, 10**6)}" for _ in range(60))
        if i % 10 == 3:
            body += " " + restyle(gsm[i]["question"])
        if i % 10 == 7:
            body = math[i]["problem"] + "\n\n" + body
        docs.append({"id": f"d{i:02d}", "text": body, "url": f"https://forum.example/{i}", "metadata": json.dumps({"math_score": 0.7})})
    (tmp_path / "web" / "data").mkdir(parents=True)
    for k in range(3):
        pq.write_table(pa.Table.from_pylist(docs[k::3]), tmp_path / "web" / "data" / f"{k}.parquet")
    cfg = DedupConfig.model_validate(
        {"decontaminate": {"benchmarks": [{"name": "gsm8k", "path": str(GSM8K)}, {"name": "math500", "path": str(MATH500), "fields": ["problem"]}]}}
    )
    run_dedup(tmp_path, cfg, tasks=3)
    stats = pl.read_parquet(str(tmp_path / "stats" / "dedup" / "*.parquet")).sort("doc_id")
    assert stats.height == 30
    dropped = stats.filter(pl.col("status") == "dropped")
    assert dropped["doc_id"].to_list() == ["d03", "d07", "d13", "d17", "d23", "d27"]
    assert set(dropped["dropped_by"]) == {"decontaminate"}
    by_id = {r["doc_id"]: r for r in dropped.iter_rows(named=True)}
    assert by_id["d03"]["contaminated_by"].startswith("gsm8k[3]: ")
    assert by_id["d07"]["contaminated_by"].startswith("math500[7]: ")
    assert by_id["d03"]["reason"] == "contaminated: gsm8k"
    assert stats.filter(pl.col("status") == "kept")["contaminated_by"].is_null().all()
    excluded = pl.read_parquet(str(tmp_path / "dedup" / "excluded" / "decontaminate" / "*.parquet"))
    assert sorted(excluded["id"]) == dropped["doc_id"].to_list()


def test_index_over_whole_benchmarks_is_small_and_exact():
    gsm, math = shared_benchmarks()
    index = BenchmarkIndex()
    index.add("gsm8k", [r["question"] for r in gsm])
    index.add("math500", [r["problem"] for r in math])
    assert 40_000 < len(index) < 200_000
    # Every question finds itself, at its own index (or an earlier identical n-gram).
    found = index.match([r["question"] for r in gsm[:200]])
    assert all(m is not None and m.benchmark == "gsm8k" for m in found)
    assert sum(m.item == i for i, m in enumerate(found)) >= 195
