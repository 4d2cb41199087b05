"""Config of the `refine` pipeline (issue 5): `pipelines.refine` in pipelines.yaml."""
from __future__ import annotations

from pydantic import Field, model_validator

from curation.schema import LLMConfig, PipelineBase


class RefineConfig(PipelineBase):
    # Reads the precise re-extraction; `[dedup]` refines the dedup survivors directly.
    depends_on: list[str] = Field(default_factory=lambda: ["rextract"])
    llm: LLMConfig = Field(default_factory=LLMConfig)
    # A bundled prompt name (refine/prompts/<name>.txt) or a path to a prompt file.
    prompt: str = "refine"

    # Input selection. Web-Pro-Max refined only what a stricter classifier kept: documents with
    # math_score below the threshold are dropped (reason math_score<T). None: refine everything.
    min_math_score: float | None = None
    keep_unscored: bool = True  # documents without a math_score (a user's own parquet) pass
    max_input_chars: int = Field(default=60_000, ge=1)  # longer: skipped (input_too_long)

    # Output budget relative to the input: max_tokens = clamp(ratio * input tokens, min, llm.max_tokens),
    # input tokens estimated as chars / chars_per_token (no tokenizer needed on the client).
    output_tokens_ratio: float = Field(default=1.3, gt=0)
    min_output_tokens: int = Field(default=256, ge=1)
    chars_per_token: float = Field(default=3.5, gt=0)

    # Validation of each answer (refine/validate.py).
    min_length_ratio: float = Field(default=0.25, ge=0)
    max_length_ratio: float = Field(default=1.6, gt=0)
    min_latex_kept: float = Field(default=0.6, ge=0, le=1)
    min_latex_fragments: int = Field(default=3, ge=1)  # fewer fragments in the input: not checked
    reject_truncated: bool = True
    check_language: bool = True
    min_lang_chars: int = Field(default=200, ge=0)  # shorter answers: language not judged
    lang_confidence: float = Field(default=0.5, ge=0, le=1)

    # Requests per step batch (default: llm.concurrency for openai, llm.batch_size x 8 for
    # transformers, 512 for vllm). Answers are stored as they arrive whatever the batch.
    docs_per_batch: int | None = Field(default=None, ge=1)
    # When requests still fail after all retries (server down, rate limited past the retries,
    # wrong key or model name), stop the task after storing what arrived, so a rerun resumes.
    # False: record those documents as refine_status=failed and go on.
    stop_on_unavailable: bool = True
    # Answer store (resumability): default <output>/cache/refine/answers; a relative path is
    # taken under the output folder.
    store_dir: str | None = None

    @model_validator(mode="after")
    def _bounds(self):
        if self.max_length_ratio <= self.min_length_ratio:
            raise ValueError("max_length_ratio must be above min_length_ratio")
        if self.llm.backend == "openai" and not self.llm.base_url:
            raise ValueError("llm.base_url: required for backend openai (e.g. http://127.0.0.1:8000/v1)")
        if self.llm.backend in ("vllm", "transformers") and not self.llm.model:
            raise ValueError(f"llm.model: required for backend {self.llm.backend}")
        return self
