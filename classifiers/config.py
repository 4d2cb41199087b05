"""Config of the `classifier` pipeline (issue 6): labels -> fastText -> evaluation -> recall rounds.

Defaults follow DeepSeekMath / MegaMath (fastText dim 256, lr 0.1, wordNgrams 3, minCount 3,
epoch 3); a recipe for a few hundred sample pages raises `epoch` and lowers `bucket` (the
default 2M hash buckets x 256 dims is a 2 GB model).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from curation.schema import LLMConfig, PipelineBase, StrictModel


class BootstrapLabelsConfig(StrictModel):
    """Weak labels from markup and math-dense text (offline; classifiers/labels.py)."""

    enabled: bool = True
    # A page with >= min_markup math markup elements (issue 3's `math_markup`) is positive when
    # its text is also at least `markup_min_density` math-dense: non-math pages carry MathJax too.
    min_markup: int = Field(default=3, ge=1)
    markup_min_density: float = Field(default=1.0, ge=0)
    # Without markup, a page this math-dense (signals per 100 words) is positive on its own.
    text_min_density: float = Field(default=6.0, ge=0)
    # Negatives: this sparse and no LaTeX command at all. Pages in between stay unlabelled. Not 0:
    # tables of scores, dates and prices, date ranges in CVs and `x - 1` in code are equation-like
    # spans too, and the classifier must see such pages as negatives to learn that numbers alone
    # are not mathematics.
    negative_max_density: float = Field(default=1.5, ge=0)


class LLMLabelsConfig(StrictModel):
    """0-5 math scores from the pipeline's LLM (FineMath-style prompt `refine/prompts/<prompt>.txt`)."""

    enabled: bool = False
    max_docs: int = Field(default=1000, ge=1)  # pages sampled (uniformly, by id hash) for annotation
    prompt: str = "math_score"
    max_chars: int = Field(default=6000, ge=100)  # page text sent to the model


class LabelsConfig(StrictModel):
    bootstrap: BootstrapLabelsConfig = Field(default_factory=BootstrapLabelsConfig)
    llm: LLMLabelsConfig = Field(default_factory=LLMLabelsConfig)
    # Labelled text a user brings: jsonl or parquet with `text` and `label` (0/1, math/other,
    # or a 0-5 score); optional `id`, `domain`/`url`.
    files: list[str] = Field(default_factory=list)
    # An LLM or file score >= this is a positive for the binary variant and the evaluation.
    positive_min_score: int = Field(default=3, ge=1, le=5)
    # Training set balance: the larger class is cut to at most ratio x the smaller one.
    max_class_ratio: float = Field(default=1.0, ge=1.0)
    # At most this many labelled pages per domain, so one big site does not define "math".
    max_per_domain: int | None = Field(default=None, ge=1)
    # Strip markup-only text ("MathJax", renderer config lines) from training text.
    strip_markup: bool = True


class FastTextConfig(StrictModel):
    """fastText supervised training (binary math/other, or 0-5 score classes)."""

    variant: Literal["binary", "score"] = "binary"
    dim: int = Field(default=256, ge=1)
    lr: float = Field(default=0.1, gt=0)
    word_ngrams: int = Field(default=3, ge=1)
    min_count: int = Field(default=3, ge=1)
    epoch: int = Field(default=3, ge=1)
    bucket: int = Field(default=2_000_000, ge=0)
    loss: Literal["softmax", "ns", "hs", "ova"] = "softmax"
    threads: int | None = Field(default=None, ge=1)  # None: all cores (training is not deterministic then)
    seed: int = 0
    max_chars: int = Field(default=20_000, ge=100)  # normalisation: page cap
    max_line_chars: int = Field(default=2_000, ge=10)  # normalisation: line cap

    @model_validator(mode="after")
    def _ngrams_need_buckets(self):
        # fastText divides by the bucket count when hashing n-grams: 0 kills the process (SIGFPE).
        if self.word_ngrams > 1 and self.bucket == 0:
            raise ValueError("bucket must be > 0 when word_ngrams > 1")
        return self


class EvaluateConfig(StrictModel):
    eval_fraction: float = Field(default=0.2, gt=0, lt=1)  # held out by id hash, never trained on
    target_precision: float = Field(default=0.95, gt=0, le=1)  # the threshold is chosen for this


class RecallConfig(StrictModel):
    """DeepSeekMath-style recall rounds: score, find math-rich domains, label their pages, retrain."""

    rounds: int = Field(default=0, ge=0)
    min_domain_pages: int = Field(default=3, ge=1)  # domains with fewer scored pages are ignored
    min_math_share: float = Field(default=0.3, ge=0, le=1)  # share of pages scored math
    max_pages_per_domain: int = Field(default=50, ge=1)
    max_pages: int = Field(default=1000, ge=1)  # per round
    # Who labels the sampled pages: the LLM (`llm.backend` set), the offline bootstrap heuristic,
    # or auto (the LLM when one is configured).
    annotator: Literal["auto", "llm", "bootstrap"] = "auto"


class ScoreConfig(StrictModel):
    """The last stage: score every input page with the newest model, keep those >= threshold."""

    enabled: bool = True
    # A number in [0, 1], or "auto": the threshold the evaluation chose for target_precision.
    threshold: Annotated[float, Field(ge=0, le=1)] | Literal["auto"] = 0.5
    batch_size: int = Field(default=512, ge=1)


class ClassifierPipelineConfig(PipelineBase):
    depends_on: list[str] = Field(default_factory=lambda: ["web"])
    labels: LabelsConfig = Field(default_factory=LabelsConfig)
    fasttext: FastTextConfig = Field(default_factory=FastTextConfig)
    evaluate: EvaluateConfig = Field(default_factory=EvaluateConfig)
    recall: RecallConfig = Field(default_factory=RecallConfig)
    score: ScoreConfig = Field(default_factory=ScoreConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)

    @model_validator(mode="after")
    def _sources_fit_the_settings(self):
        lab = self.labels
        if lab.llm.enabled and self.llm.backend == "none":
            raise ValueError("labels.llm.enabled needs llm.backend (vllm | openai | transformers)")
        if self.recall.annotator == "llm" and self.llm.backend == "none":
            raise ValueError("recall.annotator 'llm' needs llm.backend (vllm | openai | transformers)")
        if not (lab.bootstrap.enabled or lab.llm.enabled or lab.files):
            raise ValueError("labels: no label source (enable bootstrap or llm, or give files)")
        if self.fasttext.variant == "score" and not (lab.llm.enabled or lab.files):
            raise ValueError("fasttext.variant 'score' needs 0-5 labels (labels.llm or labels.files)")
        return self
