"""Training rounds and recall rounds of the math classifier, as datatrove steps.

Round k trains on every label of rounds 0..k (plus the user's files), evaluates on the held-out
split and publishes `models/math_classifier/round_<k>/` (model.bin, model.json, metrics.json,
pr_curve.png), then copies it to `latest.bin` / `latest.json`.

A recall round (DeepSeekMath) finds pages the current model's labels missed: score the corpus
with round k-1's model (`RecallScores`), find the domains whose share of math pages passes
`min_math_share` (`recall_domains`), sample their still-unlabelled pages and label them with the
LLM or the offline heuristic (`RecallAnnotate`); round k then retrains with those labels.
"""
from __future__ import annotations

import logging
import os
import shutil
import time

import numpy as np
import pyarrow as pa
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from classifiers.config import ClassifierPipelineConfig
from classifiers.evaluate import binary_report, plot_pr_curve, score_variant_report, write_json
from classifiers.labels import (BOOTSTRAP_ANNOTATOR, bootstrap_label, doc_domain, label_row,
                                read_label_dirs, read_label_files, write_label_rows)
from classifiers.train import (TrainingError, examples_from_rows, sample_rank, save_model,
                               split_and_balance, train_fasttext, training_text, write_fasttext_file)

log = logging.getLogger(__name__)

SCORES_SCHEMA = pa.schema([("id", pa.string()), ("domain", pa.string()), ("url", pa.string()), ("math_score", pa.float64())])


def round_dir(models_root: str, round_: int) -> str:
    return os.path.join(models_root, f"round_{round_}")


def publish_latest(models_root: str, round_: int) -> None:
    """round_<k>/model.bin -> latest.bin (and its sidecar): copies, replaced atomically."""
    src = round_dir(models_root, round_)
    for name, dest in (("model.bin", "latest.bin"), ("model.json", "latest.json")):
        tmp = os.path.join(models_root, f".{dest}.tmp")
        shutil.copyfile(os.path.join(src, name), tmp)
        os.replace(tmp, os.path.join(models_root, dest))


class TrainRound(PipelineStep):
    """Train, evaluate and publish round `round_` (a one-task stage)."""

    type = "🧮 - TRAIN"
    name = "train math classifier"

    def __init__(self, cfg: ClassifierPipelineConfig, round_: int, label_dirs: list[str],
                 label_files: list[str], models_root: str, work_dir: str):
        super().__init__()
        self.cfg, self.round = cfg, round_
        self.label_dirs, self.label_files = label_dirs, label_files
        self.models_root, self.work_dir = models_root, work_dir

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        if rank != 0:
            return
        with self.track_time():
            metrics = self.train_and_evaluate()
        self.stat_update("trained_examples", value=metrics["n_train"])
        log.info("math classifier round %d: %s", self.round, metrics.get("summary"))

    def load_rows(self) -> list[dict]:
        rows = read_label_dirs(self.label_dirs)
        if self.label_files:
            file_rows, skipped = read_label_files(self.label_files)
            rows += file_rows
            if skipped:
                self.stat_update("file_labels_skipped", value=skipped)
        return rows

    def train_and_evaluate(self) -> dict:
        cfg, ft = self.cfg, self.cfg.fasttext
        lab = cfg.labels
        rows = self.load_rows()
        examples = examples_from_rows(rows, ft.variant, lab.positive_min_score)
        train, held_out = split_and_balance(examples, lab, ft.variant, cfg.evaluate.eval_fraction, ft.seed)
        n_pos = sum(e.is_positive(ft.variant, lab.positive_min_score) for e in train)
        if not train or n_pos == 0 or n_pos == len(train):
            raise TrainingError(
                f"math classifier round {self.round}: {len(train)} training label(s), {n_pos} math — "
                "both math and non-math pages are needed (check the label sources: bootstrap thresholds, "
                "labels.files, llm)"
            )
        work = os.path.join(self.work_dir, f"round_{self.round}")
        train_path = os.path.join(work, "train.txt")
        n_lines = write_fasttext_file(train, train_path, ft, lab.strip_markup)
        started = time.time()
        model, lr_used, seed_used = train_fasttext(train_path, ft)
        train_s = time.time() - started

        out = round_dir(self.models_root, self.round)
        os.makedirs(out, exist_ok=True)
        model_path = os.path.join(out, "model.bin")
        save_model(model, model_path)

        metrics = self.evaluate(model_path, held_out)
        sources: dict[str, int] = {}
        for e in examples:
            sources[e.source] = sources.get(e.source, 0) + 1
        metrics.update(
            round=self.round, variant=ft.variant, n_labels=len(examples), n_train=n_lines,
            n_train_positive=n_pos, label_sources=sources, train_seconds=round(train_s, 2), lr_used=lr_used, seed_used=seed_used,
            fasttext=ft.model_dump(), labels_config=lab.model_dump(),
        )
        write_json(metrics, os.path.join(out, "metrics.json"))
        write_json(
            {
                "round": self.round, "variant": ft.variant, "model": "model.bin",
                "threshold": metrics["threshold_for_target_precision"],
                "target_precision": cfg.evaluate.target_precision,
                "normalise": {"max_chars": ft.max_chars, "max_line_chars": ft.max_line_chars,
                              "strip_markup": lab.strip_markup},
                "metrics": {k: metrics.get(k) for k in ("roc_auc", "average_precision", "at_threshold", "at_target_precision")},
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
            os.path.join(out, "model.json"),
        )
        publish_latest(self.models_root, self.round)
        return metrics

    def evaluate(self, model_path: str, held_out) -> dict:
        from classifiers.score import MathModel

        cfg, ft = self.cfg, self.cfg.fasttext
        pos_min = cfg.labels.positive_min_score
        model = MathModel(model_path)
        lines = [training_text(e.text, ft, cfg.labels.strip_markup) for e in held_out]
        scores, classes = model.predict_normalised(lines) if lines else (np.zeros(0), None)
        truth = [e.is_positive(ft.variant, pos_min) for e in held_out]
        threshold = cfg.score.threshold if cfg.score.threshold != "auto" else 0.5
        metrics, curve = binary_report(truth, scores, threshold, cfg.evaluate.target_precision)
        if ft.variant == "score" and classes is not None:
            metrics["score_classes"] = score_variant_report([e.target for e in held_out], classes)
        metrics["evaluated_on"] = "held-out labels (id hash < eval_fraction)"
        at = metrics["at_threshold"]
        metrics["summary"] = (f"n_eval={metrics['n']} P={at['precision']} R={at['recall']} F1={at['f1']} "
                              f"AUC={metrics['roc_auc']}")
        plot_pr_curve(curve, metrics, os.path.join(round_dir(self.models_root, self.round), "pr_curve.png"),
                      f"math classifier round {self.round}")
        return metrics


# --- recall rounds ------------------------------------------------------------------------------

class RecallScores(PipelineStep):
    """Scores every page with the previous round's model -> `<folder>/<rank>.parquet` (id, domain, score)."""

    type = "🔎 - RECALL"
    name = "recall scores"

    def __init__(self, model_path: str, folder: str, batch_size: int = 512):
        super().__init__()
        self.model_path, self.folder, self.batch_size = model_path, folder, batch_size

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from classifiers.score import MathModel
        from curation.docio import AtomicParquet

        model = MathModel(self.model_path)
        out = AtomicParquet(os.path.join(self.folder, f"{rank:05d}.parquet"), SCORES_SCHEMA)
        batch: list[Document] = []

        def flush():
            with self.track_time(unit="batch"):
                scores = model.score([d.text for d in batch])
            for doc, s in zip(batch, scores):
                out.add({"id": doc.id, "domain": doc_domain(doc), "url": doc.metadata.get("url"), "math_score": float(s)})
            self.stat_update("scored", value=len(batch))

        for doc in data or ():
            batch.append(doc)
            if len(batch) >= self.batch_size:
                flush()
                batch = []
        if batch:
            flush()
        out.close()
        return
        yield  # a generator that yields nothing: the stage ends here


def recall_domains(scores_dir: str, threshold: float, min_pages: int, min_share: float) -> list[dict]:
    """Domains with >= min_pages scored pages of which >= min_share score >= threshold."""
    import duckdb

    con = duckdb.connect()
    rows = con.execute(
        """
        select domain, count(*) as pages, sum(case when math_score >= ? then 1 else 0 end) as math_pages
        from read_parquet(?) where domain is not null group by domain
        """,
        [threshold, os.path.join(scores_dir, "*.parquet")],
    ).fetchall()
    con.close()
    out = []
    for domain, pages, math_pages in rows:
        share = math_pages / pages
        if pages >= min_pages and share >= min_share:
            out.append({"domain": domain, "pages": int(pages), "math_pages": int(math_pages), "math_share": round(share, 4)})
    return sorted(out, key=lambda d: (-d["math_share"], -d["pages"], d["domain"]))


def pick_pages(scores_dir: str, domains: list[str], labelled: set[str], per_domain: int, total: int) -> list[str]:
    """Unlabelled pages of the chosen domains: a uniform sample (by id hash), capped per domain and in all."""
    import duckdb

    if not domains:
        return []
    con = duckdb.connect()
    rows = con.execute(
        "select id, domain from read_parquet(?) where domain in (select unnest(?))",
        [os.path.join(scores_dir, "*.parquet"), domains],
    ).fetchall()
    con.close()
    by_domain: dict[str, list[str]] = {}
    for doc_id, domain in rows:
        if doc_id not in labelled:
            by_domain.setdefault(domain, []).append(doc_id)
    picked = []
    for domain in domains:  # the most math-rich domains first
        ids = sorted(by_domain.get(domain, []), key=sample_rank)[:per_domain]
        picked.extend(ids)
    return picked[:total]


def read_docs(data_dir: str, ids: list[str]) -> list[Document]:
    import pyarrow.dataset as ds

    from curation.docio import doc_from_record

    if not ids:
        return []
    dataset = ds.dataset(data_dir, format="parquet")
    table = dataset.to_table(filter=ds.field("id").isin(ids))
    return [doc_from_record(rec) for rec in table.to_pylist()]


class RecallAnnotate(PipelineStep):
    """Chooses the math-rich domains, samples their unlabelled pages, labels them (one-task stage)."""

    type = "🔎 - RECALL"
    name = "recall annotate"

    def __init__(self, cfg: ClassifierPipelineConfig, round_: int, scores_dir: str, input_dir: str,
                 previous_label_dirs: list[str], out_dir: str, report_path: str, model_path: str):
        super().__init__()
        self.cfg, self.round = cfg, round_
        self.scores_dir, self.input_dir = scores_dir, input_dir
        self.previous_label_dirs, self.out_dir = previous_label_dirs, out_dir
        self.report_path, self.model_path = report_path, model_path

    def annotator(self) -> str:
        choice = self.cfg.recall.annotator
        if choice == "auto":
            return "llm" if self.cfg.llm.backend != "none" else "bootstrap"
        return choice

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        if rank != 0:
            return
        from classifiers.score import MathModel, resolve_threshold

        rc = self.cfg.recall
        # "A math page" means what the scoring stage will keep: the configured threshold.
        threshold = resolve_threshold(self.cfg.score.threshold, MathModel(self.model_path))
        domains = recall_domains(self.scores_dir, threshold, rc.min_domain_pages, rc.min_math_share)
        labelled = {r["id"] for r in read_label_dirs(self.previous_label_dirs)}
        ids = pick_pages(self.scores_dir, [d["domain"] for d in domains], labelled, rc.max_pages_per_domain, rc.max_pages)
        docs = read_docs(self.input_dir, ids)
        who = self.annotator()
        with self.track_time():
            rows = self.label(docs, who, rank)
        write_label_rows(rows, os.path.join(self.out_dir, "00000.parquet"))
        write_json(
            {"round": self.round, "annotator": who, "threshold": threshold, "domains": domains,
             "pages_sampled": len(docs), "labels": len(rows),
             "positives": sum(1 for r in rows if (r["label"] >= self.cfg.labels.positive_min_score if r["scale"] == "score" else r["label"] == 1))},
            self.report_path,
        )
        self.stat_update("recall_domains", value=len(domains))
        self.stat_update("recall_labels", value=len(rows))

    def label(self, docs: list[Document], who: str, rank: int) -> list[dict]:
        if who == "bootstrap":
            rows = []
            for doc in docs:
                label, signals = bootstrap_label(doc.text, int(doc.metadata.get("math_markup") or 0), self.cfg.labels.bootstrap)
                if label is not None:
                    rows.append(label_row(doc, label, "binary", "bootstrap", BOOTSTRAP_ANNOTATOR, self.round, detail=signals))
            return rows
        from classifiers.annotate import annotate_docs
        from refine.llm import make_llm

        if self.cfg.llm.backend == "none":
            raise ValueError("classifier recall.annotator is 'llm' but pipelines.classifier.llm.backend is none")
        lc = self.cfg.labels.llm
        llm = make_llm(self.cfg.llm, rank=rank)
        try:
            annotator = self.cfg.llm.model or getattr(llm, "model_name", None) or self.cfg.llm.backend
            return annotate_docs(llm, docs, lc.prompt, lc.max_chars, self.round, annotator,
                                 stat=lambda key, v=1: self.stat_update(key, value=v))
        finally:
            llm.close()
