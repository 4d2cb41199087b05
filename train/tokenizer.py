"""The tokenizer a mix is packed with: a pretrained one (HF id or folder), or a byte-level BPE we
train on the mix's own sources (the offline default), saved as a transformers tokenizer folder so
`AutoTokenizer.from_pretrained` and our HF exports load it like any other.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from typing import Iterable

EOS = "<|endoftext|>"
PAD = "<|pad|>"
BOS = "<|begin|>"
ROLE_TOKENS = ["<|system|>", "<|user|>", "<|assistant|>"]
# A plain chat format with role tokens; each turn ends with EOS so a generation stops there.
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}" + EOS + "\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
META_FILE = "octo_tokenizer.json"


class TokenizerError(Exception):
    """An unusable tokenizer (unknown id, missing folder, no EOS): one line."""


def train_bpe(texts: Iterable[str], vocab_size: int, min_frequency: int = 2):
    """A byte-level BPE trained on `texts`, wrapped as a PreTrainedTokenizerFast."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
        special_tokens=[EOS, PAD, BOS, *ROLE_TOKENS], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS, pad_token=PAD, bos_token=BOS)
    fast.chat_template = CHAT_TEMPLATE
    return fast


def save_tokenizer(tok, folder: str, meta: dict) -> None:
    """Write to a sibling temp folder, then swap in: a crash never leaves half a tokenizer."""
    tmp = folder.rstrip("/") + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tok.save_pretrained(tmp)
    with open(os.path.join(tmp, META_FILE), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.dirname(os.path.abspath(folder)), exist_ok=True)
    os.replace(tmp, folder)


def trained_meta(folder: str) -> dict | None:
    path = os.path.join(folder, META_FILE)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def load_tokenizer(name_or_path: str):
    """AutoTokenizer for a folder or HF id; any failure is one TokenizerError line."""
    from transformers import AutoTokenizer

    local = os.path.isdir(name_or_path)
    # An HF id is `name` or `org/name`; anything else that is not a folder is a missing path.
    if not local and (name_or_path.startswith((".", "/", "~")) or name_or_path.count("/") > 1):
        raise TokenizerError(f"tokenizer {name_or_path!r}: no such folder")
    try:
        tok = AutoTokenizer.from_pretrained(name_or_path)
    except Exception as e:  # OSError offline / unknown id, ValueError for a broken folder, ...
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        where = "local folder" if local else "not a local folder; Hugging Face Hub id (needs the network or the HF cache)"
        raise TokenizerError(f"tokenizer {name_or_path!r} cannot be loaded ({where}): {first[:200]}") from None
    if tok.eos_token_id is None:
        raise TokenizerError(f"tokenizer {name_or_path!r} has no EOS token; packing needs one to separate documents")
    return tok


def fingerprint(tok) -> str:
    """Identity of a tokenizer's vocabulary and rules (what packed token ids mean)."""
    backend = getattr(tok, "backend_tokenizer", None)
    body = backend.to_str() if backend is not None else json.dumps(tok.get_vocab(), sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def model_vocab_size(tok, multiple: int = 64) -> int:
    """Embedding rows for a model trained from scratch on `tok`: its length, rounded up."""
    n = len(tok)
    return -(-n // multiple) * multiple
