"""Evaluation of a math classifier on held-out labelled pages.

Binary metrics are computed on `math_score` (P(math), or the expected 0-5 score / 5 for the score
variant) against the binary truth: precision, recall, F1 and accuracy at the configured threshold
and at the threshold chosen for a target precision (the lowest score whose precision reaches the
target: the most recall that precision allows), ROC-AUC, average precision, and the
precision-recall curve as a PNG. The score variant adds class accuracy and mean absolute error.
"""
from __future__ import annotations

import json
import os

import numpy as np


def roc_auc(y_true, scores) -> float | None:
    """Mann-Whitney U form, ties counted half. None when one class is absent."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=float)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    sorted_s = s[order]
    ranks = np.empty(len(s), dtype=float)
    # Average rank within each group of tied scores.
    _, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def precision_recall_curve(y_true, scores) -> dict:
    """One point per distinct score, from the highest threshold down."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=float)
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    tp = np.cumsum(y_sorted)
    fp = np.cumsum(~y_sorted)
    # The last index of each run of equal scores: a threshold admits the whole run.
    last = np.r_[np.nonzero(np.diff(s_sorted))[0], len(s_sorted) - 1] if len(s_sorted) else np.array([], int)
    tp, fp, thr = tp[last], fp[last], s_sorted[last]
    n_pos = max(int(y.sum()), 1)
    precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 1.0)
    return {"threshold": thr, "precision": precision, "recall": tp / n_pos}


def average_precision(curve: dict) -> float:
    rec = np.r_[0.0, curve["recall"]]
    return float(np.sum(np.diff(rec) * curve["precision"]))


def threshold_for_precision(curve: dict, target: float) -> float | None:
    ok = np.nonzero(curve["precision"] >= target)[0]
    if not len(ok):
        return None
    best = ok[np.argmax(curve["recall"][ok])]  # lowest threshold that still meets the target
    return float(curve["threshold"][best])


def metrics_at(y_true, scores, threshold: float) -> dict:
    y = np.asarray(y_true, dtype=bool)
    pred = np.asarray(scores, dtype=float) >= threshold
    tp, fp = int((pred & y).sum()), int((pred & ~y).sum())
    fn, tn = int((~pred & y).sum()), int((~pred & ~y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": round(float(threshold), 6), "precision": round(precision, 4), "recall": round(recall, 4),
        "f1": round(f1, 4), "accuracy": round((tp + tn) / max(len(y), 1), 4),
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
    }


def binary_report(y_true, scores, threshold: float = 0.5, target_precision: float = 0.95) -> tuple[dict, dict]:
    """(metrics, curve) for binary truth and scores in [0, 1]."""
    y = np.asarray(y_true, dtype=bool)
    curve = precision_recall_curve(y, scores)
    chosen = threshold_for_precision(curve, target_precision) if len(y) else None
    p, r = curve["precision"], curve["recall"]
    f1s = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-12), 0.0)
    best_f1 = float(curve["threshold"][int(np.argmax(f1s))]) if len(f1s) else None
    auc = roc_auc(y, scores)
    metrics = {
        "n": int(len(y)), "positives": int(y.sum()), "negatives": int((~y).sum()),
        "roc_auc": None if auc is None else round(auc, 4),
        "average_precision": round(average_precision(curve), 4) if len(y) else None,
        "at_threshold": metrics_at(y, scores, threshold),
        "target_precision": target_precision,
        "threshold_for_target_precision": chosen,
        "at_target_precision": metrics_at(y, scores, chosen) if chosen is not None else None,
        "best_f1": metrics_at(y, scores, best_f1) if best_f1 is not None else None,
    }
    return metrics, curve


def score_variant_report(true_scores, probs: np.ndarray) -> dict:
    """Class accuracy and MAE of the expected score, for the 0-5 variant (probs: n x 6)."""
    t = np.asarray(true_scores, dtype=float)
    expected = probs @ np.arange(6)
    return {
        "class_accuracy": round(float((probs.argmax(1) == t).mean()), 4) if len(t) else None,
        "mae": round(float(np.abs(expected - t).mean()), 4) if len(t) else None,
    }


def plot_pr_curve(curve: dict, metrics: dict, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.5), dpi=110)
    ax.plot(np.r_[0.0, curve["recall"]], np.r_[1.0, curve["precision"]], drawstyle="steps-post", label="model")
    for key, marker, name in (("at_threshold", "o", "threshold"), ("at_target_precision", "s", "target precision")):
        point = metrics.get(key)
        if point:
            ax.plot(point["recall"], point["precision"], marker, label=f"{name} {point['threshold']:.3g} (F1 {point['f1']:.3f})")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    auc = metrics.get("roc_auc")
    ax.set_title(f"{title}  (n={metrics['n']}, ROC-AUC {auc if auc is not None else 'n/a'})", fontsize=9)
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.tight_layout()
    fig.savefig(f"{path}.tmp.png")
    plt.close(fig)
    os.replace(f"{path}.tmp.png", path)


def write_json(obj: dict, path: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(f"{path}.tmp", "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, sort_keys=True, default=float)
    os.replace(f"{path}.tmp", path)
