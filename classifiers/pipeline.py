"""The `classifier` pipeline: labels -> train/evaluate -> recall rounds -> score.

Stages (each a datatrove executor; a rerun resumes at the first incomplete one):

    labels           <input>/data -> bootstrap labels (+ LLM labels) -> classifier/work/labels/round_0/
    train_0          labels of round 0 + labels.files -> models/math_classifier/round_0/, latest.bin
    recall_score_k   <input>/data scored with round k-1 -> classifier/work/recall/round_k/scores/
    recall_label_k   math-rich domains -> their unlabelled pages labelled -> work/labels/round_k/
    train_k          labels of rounds 0..k -> models/math_classifier/round_k/, latest.bin
    score            <input>/data scored with the newest round: math_score in every stats row,
                     pages >= threshold -> classifier/data/ (what dedup reads), the rest ->
                     classifier/excluded/math_classifier/

So the recipe's order is web -> classifier -> dedup: the web pipeline extracts every page, this
pipeline learns what math looks like in it and keeps the math pages. Once a model exists, a later
crawl can score inside `web` instead (`pipelines.web.classifier.enabled: true`, model
`models/math_classifier/latest.bin`).
"""
from __future__ import annotations

import os

from curation.context import PipelineContext, Stage


def check_inputs(ctx: PipelineContext) -> None:
    """What the config model cannot check alone (files, prompts), before any stage runs."""
    from classifiers.labels import read_label_files
    from curation.config import ConfigError

    lab = ctx.pcfg.labels
    try:
        if lab.llm.enabled:
            from refine.prompting import prompt_path

            prompt_path(lab.llm.prompt)
        read_label_files([ctx.resolve(p) for p in lab.files])  # a missing file fails now, not after labelling
    except (OSError, ValueError) as e:
        raise ConfigError(f"pipelines.classifier.labels: {e}") from None


def build(ctx: PipelineContext) -> list[Stage]:
    from classifiers.labels import BootstrapLabels, LabelWriter
    from classifiers.rounds import RecallAnnotate, RecallScores, TrainRound, round_dir
    from classifiers.score import MathScorer
    from curation.docio import OutputWriter, ParquetDocReader

    cfg = ctx.pcfg
    check_inputs(ctx)
    input_dir = ctx.input_data_dir()
    work = ctx.work_dir()
    models_root = os.path.join(ctx.models_dir, "math_classifier")
    label_files = [ctx.resolve(p) for p in cfg.labels.files]

    def labels_dir(k: int) -> str:
        return os.path.join(work, "labels", f"round_{k}")

    def reader() -> ParquetDocReader:
        return ParquetDocReader(input_dir, limit=ctx.limit)

    label_steps: list = [reader()]
    if cfg.labels.bootstrap.enabled:
        label_steps.append(BootstrapLabels(cfg.labels.bootstrap, round_=0))
    if cfg.labels.llm.enabled:
        from classifiers.annotate import LLMLabels

        lc = cfg.labels.llm
        label_steps.append(LLMLabels(cfg.llm, lc.max_docs, lc.prompt, lc.max_chars, round_=0))
    label_steps.append(LabelWriter(labels_dir(0)))

    stages = [
        Stage("labels", label_steps, tasks=ctx.tasks, workers=ctx.workers),
        Stage("train_0", [TrainRound(cfg, 0, [labels_dir(0)], label_files, models_root, work)], tasks=1),
    ]
    for k in range(1, cfg.recall.rounds + 1):
        previous_model = os.path.join(round_dir(models_root, k - 1), "model.bin")
        scores_dir = os.path.join(work, "recall", f"round_{k}", "scores")
        stages += [
            Stage(f"recall_score_{k}", [reader(), RecallScores(previous_model, scores_dir, cfg.score.batch_size)],
                  tasks=ctx.tasks, workers=ctx.workers),
            Stage(f"recall_label_{k}", [RecallAnnotate(
                cfg, k, scores_dir, input_dir, [labels_dir(j) for j in range(k)], labels_dir(k),
                os.path.join(round_dir(models_root, k), "recall.json"), previous_model)], tasks=1),
            Stage(f"train_{k}", [TrainRound(cfg, k, [labels_dir(j) for j in range(k + 1)], label_files, models_root, work)],
                  tasks=1),
        ]
    if cfg.score.enabled:
        final_model = os.path.join(round_dir(models_root, cfg.recall.rounds), "model.bin")
        scorer = MathScorer(final_model, threshold=cfg.score.threshold, missing="error", batch_size=cfg.score.batch_size)
        scorer.step_index = 1
        stages.append(Stage("score", [reader(), scorer, OutputWriter(ctx.output, ctx.name)],
                            tasks=ctx.tasks, workers=ctx.workers))
    return stages
