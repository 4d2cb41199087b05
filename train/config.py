"""Config of mixes, the `mix` pipeline, mid-training and RL (issues 7 and 9).

No torch import here: curation loads this module to validate pipelines.yaml.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from curation.schema import PipelineBase, StrictModel
from train.answers import RewardConfig

# Names that become folder names under mixes/<mix>/sources/.
SOURCE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class TokenizerConfig(StrictModel):
    """The tokenizer every mix is packed with (`pipelines.mix.tokenizer`).

    `name_or_path` is a local folder, a Hugging Face id (e.g. meta-llama/Llama-3.2-1B, needs the
    network or a warm HF cache) or `models/tokenizer` (under the output). When that folder is absent
    and `train_if_missing`, a byte-level BPE is trained on the mixes' sources and saved there: the
    offline default. Train the model with the same tokenizer the mix was packed with.
    """

    name_or_path: str = "models/tokenizer"
    train_if_missing: bool = True
    vocab_size: int = Field(default=4096, ge=300, le=1_000_000)
    min_frequency: int = Field(default=2, ge=1)
    train_docs: int = Field(default=20_000, ge=1)  # per source, when training
    add_bos: bool = False  # documents are joined by EOS (Megatron style); a BOS per document optional


class MixPipelineConfig(PipelineBase):
    """`pipelines.mix`: tokenise + pack every mix of `mixes:` (or those listed in `mixes`)."""

    depends_on: list[str] = Field(default_factory=list)
    tokenizer: TokenizerConfig = Field(default_factory=TokenizerConfig)
    seq_len: int = Field(default=2048, ge=8, le=1_048_576)
    mixes: list[str] | None = None  # None: every mix under `mixes:`


class GeneratedQA(StrictModel):
    """Our generated word problems (train/qa_synth.py): short or long CoT, or instructions."""

    style: Literal["short", "long", "instruct", "toy"]  # toy: the GRPO toy task (single-digit addition)
    n: int = Field(default=1000, ge=1)
    seed: int = 0


class MixSource(StrictModel):
    """One source of a mix: exactly one of `pipeline`, `path`, `hf`, `generate`.

    `pipeline` may be a list: the first with data under `<output>/<pipeline>/data/` wins, so a
    recipe can say "the most refined output that exists" ([refine, rextract, dedup, web]).
    """

    name: str = Field(pattern=SOURCE_NAME)
    weight: float = Field(gt=0)
    pipeline: str | list[str] | None = None
    path: str | None = None  # a local .jsonl / .parquet file, a folder of them, or a glob
    hf: str | None = None  # a Hugging Face dataset id (needs the network), streamed
    hf_config: str | None = None
    hf_split: str = "train"
    generate: GeneratedQA | None = None
    # text: the text field as is; qa: "Question: …\nAnswer: …"; chat: the tokenizer's chat template
    template: Literal["text", "qa", "chat"] = "text"
    text_field: str = "text"
    question_field: str = "question"
    answer_field: str = "answer"
    messages_field: str = "messages"
    max_docs: int | None = Field(default=None, ge=1)  # per input file

    @model_validator(mode="after")
    def _one_kind(self):
        kinds = [k for k in ("pipeline", "path", "hf", "generate") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"source {self.name!r}: give exactly one of pipeline, path, hf, generate (got {kinds or 'none'})")
        if isinstance(self.pipeline, list) and not self.pipeline:
            raise ValueError(f"source {self.name!r}: pipeline list is empty")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("pipeline", "path", "hf", "generate") if getattr(self, k) is not None)

    @property
    def pipelines(self) -> list[str]:
        return [self.pipeline] if isinstance(self.pipeline, str) else list(self.pipeline or [])


class MixConfig(StrictModel):
    """One entry of `mixes:`: sources with weights (token shares), blended Megatron style.

    `phase` picks the learning-rate schedule `octo-train --mix` uses: stable (constant after
    warmup) or decay (from --init-from down to train.final_lr_ratio).
    `tokens`: size of the mix; sources repeat (reshuffled each epoch) when they hold fewer tokens
    than their share. None: the largest mix in which no source repeats.
    """

    phase: Literal["stable", "decay"] = "stable"
    tokens: int | None = Field(default=None, ge=1)
    shuffle: bool = True
    seed: int = 0
    sources: list[MixSource] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self):
        names = [s.name for s in self.sources]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"source names must be unique within a mix (repeated: {', '.join(dup)})")
        return self


class ModelInit(StrictModel):
    """A Llama built from config with random weights (`train.model.init`), used when
    `train.model.name_or_path` is unset: the tiny CPU default, or Llama-3.2-1B's shape on GPUs."""

    hidden_size: int = Field(default=64, ge=8)
    intermediate_size: int = Field(default=256, ge=8)
    num_hidden_layers: int = Field(default=2, ge=1)
    num_attention_heads: int = Field(default=4, ge=1)
    num_key_value_heads: int = Field(default=4, ge=1)
    max_position_embeddings: int | None = None  # None: the mix's seq_len
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = True
    vocab_size: int | None = None  # None: the tokenizer's, rounded up to a multiple of 64


class ModelConfig(StrictModel):
    name_or_path: str | None = None  # HF id or local folder (meta-llama/Llama-3.2-1B); None: `init`
    init: ModelInit = Field(default_factory=ModelInit)
    attn_implementation: str | None = None  # eager | sdpa | flash_attention_2; None: transformers' default
    gradient_checkpointing: bool = False


class TrainConfig(StrictModel):
    """`train:` — the DeepSpeed mid-training loop of `octo-train --mix NAME`."""

    model: ModelConfig = Field(default_factory=ModelConfig)
    run_dir: str = "runs"  # RUN_DIR default: <run_dir>/<mix>, relative paths under the output
    # auto: bf16 on an accelerator, fp32 on CPU (DeepSpeed's CPU fp16 path does not work)
    precision: Literal["auto", "bf16", "fp32"] = "auto"
    zero_stage: int = Field(default=2, ge=0, le=3)
    offload_optimizer: bool = False  # ZeRO-Offload: optimizer states + step on the CPU (stages 1-3)
    offload_params: bool = False  # ZeRO-Infinity style parameter offload (stage 3 only)
    micro_batch_size: int = Field(default=8, ge=1)  # sequences per rank per micro step
    grad_accum: int = Field(default=1, ge=1)
    grad_clip: float = Field(default=1.0, ge=0)  # 0: off
    lr: float = Field(default=3e-4, gt=0)  # the peak (= stable) learning rate
    warmup_steps: int = Field(default=0, ge=0)  # linear warmup at the start of a stable run
    decay_shape: Literal["cosine", "linear", "1-sqrt"] = "cosine"
    final_lr_ratio: float = Field(default=0.1, ge=0, le=1)  # decay ends at lr * final_lr_ratio
    weight_decay: float = Field(default=0.1, ge=0)
    betas: tuple[float, float] = (0.9, 0.95)
    eps: float = Field(default=1e-8, gt=0)
    steps: int | None = Field(default=None, ge=1)  # optimizer steps of a run; None: one pass over the mix
    save_every: int = Field(default=100, ge=1)  # checkpoint every N steps (and at the end)
    keep_checkpoints: int = Field(default=2, ge=1)
    export_every: int | None = Field(default=None, ge=1)  # extra HF exports (hf-stepNNNNNN/)
    log_every: int = Field(default=10, ge=1)  # console lines; metrics.jsonl gets every step
    seed: int = 0
    verify_data: Literal["checksum", "size"] = "checksum"  # checks of the packed shards before step 1
    deepspeed: dict[str, Any] = Field(default_factory=dict)  # merged over the generated DeepSpeed config

    @model_validator(mode="after")
    def _offload(self):
        if self.offload_params and self.zero_stage != 3:
            raise ValueError("offload_params needs zero_stage: 3")
        if self.offload_optimizer and self.zero_stage == 0:
            raise ValueError("offload_optimizer needs zero_stage 1, 2 or 3")
        return self


class RLDataConfig(StrictModel):
    """`rl.data`: prompts with gold answers (train/rl_data.py)."""

    # toy (generated single-digit addition, offline) | a .jsonl/.json/.parquet file |
    # a Hugging Face dataset id owner/name[:config][@split] (needs the network)
    source: str = "toy"
    # auto: question/problem/prompt + answer/gt_answer/solution/... fields (MATH8K, DeepScaleR,
    # verl parquet); or a benchmark loader name of train.benchmarks (gsm8k, math, ...)
    format: str = "auto"
    split: str = "train"  # for Hugging Face ids without @split
    limit: int | None = Field(default=None, ge=1)
    toy_n: int = Field(default=2000, ge=1)
    toy_seed: int = 1
    shuffle: bool = True


class RLPromptConfig(StrictModel):
    # base: OctoThinker's "User: ... Assistant:" frame with the \boxed{} instruction (base models);
    # qa: "Question: ...\nAnswer:" (models mid-trained on the mixes' qa template);
    # chat: the tokenizer's chat template; or any string containing {question}
    template: str = "base"
    stop: list[str] | None = None  # None: the template's default (base: "\nUser:", qa: "\nQuestion:")


class RLRolloutConfig(StrictModel):
    backend: Literal["transformers", "vllm"] = "transformers"
    prompts_per_step: int = Field(default=128, ge=1)
    samples_per_prompt: int = Field(default=16, ge=1)  # G
    temperature: float = Field(default=1.0, gt=0)
    top_p: float = Field(default=1.0, gt=0, le=1)
    # The stair schedule of the max response length: {first step: tokens}; or one number.
    max_response_len: int | dict[int, int] = Field(default_factory=lambda: {0: 2048, 100: 4096, 160: 8192})
    batch_size: int = Field(default=256, ge=1)  # sequences per generation batch (transformers)
    # vllm: extra keyword arguments for vllm.LLM (gpu_memory_utilization, max_model_len, ...)
    vllm_args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _stair(self):
        if isinstance(self.max_response_len, dict):
            if 0 not in self.max_response_len:
                raise ValueError("max_response_len: the stair must start at step 0")
            if any(k < 0 or v < 1 for k, v in self.max_response_len.items()):
                raise ValueError("max_response_len: steps must be >= 0 and lengths >= 1")
        elif self.max_response_len < 1:
            raise ValueError("max_response_len must be >= 1")
        return self


class RLAlgorithmConfig(StrictModel):
    advantage: Literal["grpo", "drgrpo"] = "grpo"  # drgrpo: centred only, no std division
    # seq-mean-token-mean (GRPO) | token-mean (DAPO) | seq-mean-token-sum-norm (Dr. GRPO: / max length)
    loss_agg: Literal["seq-mean-token-mean", "token-mean", "seq-mean-token-sum-norm"] = "seq-mean-token-mean"
    clip_low: float = Field(default=0.2, ge=0, lt=1)
    clip_high: float = Field(default=0.2, ge=0)  # 0.28: DAPO clip-higher
    clip_ratio_c: float | None = Field(default=None, gt=1)  # dual clip for negative advantages
    kl_coef: float = Field(default=0.0, ge=0)  # beta of the k3 KL to the frozen initial policy
    entropy_coef: float = Field(default=0.0, ge=0)
    epochs: int = Field(default=1, ge=1)  # passes over each rollout batch
    mini_batches: int = Field(default=1, ge=1)  # optimizer steps per pass (old log-probs kept)
    micro_batch_tokens: int = Field(default=16384, ge=1)  # padded tokens per forward/backward
    # Compute each prompt once for its G responses in the update (a shared key/value cache);
    # false: every sample is its own prompt + response row (models that cannot take a cache in training)
    share_prompt: bool = True
    # DAPO dynamic sampling: drop groups whose rewards are all equal, sample more prompts
    # (up to max_sampling_rounds rounds) to fill prompts_per_step groups.
    dynamic_sampling: bool = False
    max_sampling_rounds: int = Field(default=3, ge=1)
    # DAPO overlong shaping: linear penalty over the last `overlong_buffer` tokens of the max
    # length (to -overlong_penalty); filter_truncated: truncated responses get no loss at all.
    overlong_buffer: int = Field(default=0, ge=0)
    overlong_penalty: float = Field(default=1.0, ge=0)
    filter_truncated: bool = False


class RLOptimConfig(StrictModel):
    lr: float = Field(default=1e-6, gt=0)  # constant after warmup (OctoThinker: 1e-6)
    warmup_steps: int = Field(default=0, ge=0)
    weight_decay: float = Field(default=0.01, ge=0)
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = Field(default=1e-8, gt=0)
    grad_clip: float = Field(default=1.0, ge=0)  # 0: off


class RLEvalConfig(StrictModel):
    every: int | None = Field(default=None, ge=1)  # steps between evaluations (and at the end); None: off
    # toy (held-out toy problems) | a file | an HF id; format as in rl.data
    source: str = "toy"
    format: str = "auto"
    n: int = Field(default=200, ge=1)
    toy_seed: int = 12345
    max_new_tokens: int | None = Field(default=None, ge=1)  # None: the step's max response length


class RLConfig(StrictModel):
    """`rl:` — GRPO of `octo-train rl` (train/grpo.py): OctoThinker's values are the defaults."""

    model: str | None = None  # initial policy: HF folder or id (relative: under the output); --init-from wins
    tokenizer: str | None = None  # None: the model's
    run_dir: str = "runs/rl"  # relative paths live under the output
    steps: int = Field(default=200, ge=1)
    seed: int = 0
    data: RLDataConfig = Field(default_factory=RLDataConfig)
    prompt: RLPromptConfig = Field(default_factory=RLPromptConfig)
    rollout: RLRolloutConfig = Field(default_factory=RLRolloutConfig)
    algorithm: RLAlgorithmConfig = Field(default_factory=RLAlgorithmConfig)
    reward: RewardConfig = Field(default_factory=RewardConfig)
    optim: RLOptimConfig = Field(default_factory=RLOptimConfig)
    eval: RLEvalConfig = Field(default_factory=RLEvalConfig)
    precision: Literal["auto", "bf16", "fp32"] = "auto"  # auto: bf16 on GPUs, fp32 on CPU
    zero_stage: int = Field(default=0, ge=0, le=3)
    deepspeed: dict[str, Any] = Field(default_factory=dict)  # merged over the generated config
    reward_workers: int | None = Field(default=None, ge=1)  # answer-checking processes
    reward_timeout_s: float = Field(default=5.0, gt=0)
    save_every: int = Field(default=50, ge=1)
    keep_checkpoints: int = Field(default=2, ge=1)
    log_every: int = Field(default=1, ge=1)
