"""The model to train: any AutoModelForCausalLM (HF id or folder, or an `--init-from` run), or a
Llama built from config with random weights (the tiny CPU default, or Llama-3.2-1B's shape)."""
from __future__ import annotations

import os

EXPORT_DIR = "hf"  # a run's HF export, what `--init-from RUN` loads


class ModelError(Exception):
    """A model that cannot be loaded or does not fit the data: one line."""


def resolve_init_from(path: str) -> str:
    """A run folder (its `hf/` export), an HF model folder, or an HF id, as given to from_pretrained."""
    if os.path.isdir(path):
        for cand in (os.path.join(path, EXPORT_DIR), path):
            if os.path.exists(os.path.join(cand, "config.json")):
                return os.path.abspath(cand)
        raise ModelError(f"--init-from {path}: neither a run folder with an {EXPORT_DIR}/ export nor a model folder (no config.json)")
    if path.startswith((".", "/", "~")) or path.count("/") > 1:
        raise ModelError(f"--init-from {path}: no such folder")
    return path  # an HF id


def llama_config(init, *, vocab_size: int, seq_len: int, eos_id: int | None = None, pad_id: int | None = None):
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=init.vocab_size or vocab_size,
        hidden_size=init.hidden_size,
        intermediate_size=init.intermediate_size,
        num_hidden_layers=init.num_hidden_layers,
        num_attention_heads=init.num_attention_heads,
        num_key_value_heads=init.num_key_value_heads,
        max_position_embeddings=init.max_position_embeddings or seq_len,
        rope_theta=init.rope_theta,
        tie_word_embeddings=init.tie_word_embeddings,
        eos_token_id=eos_id,
        pad_token_id=pad_id,
        bos_token_id=None,
    )


def load_or_init_model(mcfg, *, vocab_size: int, seq_len: int, init_from: str | None = None, dtype: str = "fp32",
                       eos_id: int | None = None, pad_id: int | None = None, seed: int = 0):
    """(model, where it came from). `init_from` (resolved) wins over `mcfg.name_or_path`; without
    either, a Llama from `mcfg.init` seeded by `seed` (identical on every rank)."""
    import torch
    from transformers import AutoModelForCausalLM

    torch_dtype = torch.bfloat16 if dtype == "bf16" else torch.float32
    kwargs = {"attn_implementation": mcfg.attn_implementation} if mcfg.attn_implementation else {}
    source = init_from or mcfg.name_or_path
    if source:
        try:
            model = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype, **kwargs)
        except Exception as e:  # offline, unknown id, not a causal LM, broken weights, ...
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise ModelError(f"model {source!r} cannot be loaded: {first[:200]}") from None
        where = source
    else:
        torch.manual_seed(seed)
        config = llama_config(mcfg.init, vocab_size=vocab_size, seq_len=seq_len, eos_id=eos_id, pad_id=pad_id)
        model = AutoModelForCausalLM.from_config(config, dtype=torch_dtype, **kwargs)
        where = f"llama from config ({sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params)"
    if mcfg.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.config.use_cache = False
    return model, where


def embedding_rows(model) -> int:
    return model.get_input_embeddings().weight.shape[0]
