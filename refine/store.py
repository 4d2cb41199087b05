"""Answer store: every LLM answer on disk as soon as it arrives, keyed (doc id, prompt, model).

An append-only JSONL file per task (`w<world_size>-r<rank>.jsonl`), one answer per line,
flushed per line (a kill -9 of this process loses nothing written; the OS has it) and fsynced
at most once a second and on close (a machine crash loses at most that second). A torn last
line from a kill is skipped on load and never glued to the next answer. A rerun loads the
answers of its prompt hash and model and asks only for the rest; the input's hash is kept
too, so an answer is not reused for a document whose text has changed.

Only successful answers are stored: failures are asked again on the next run. When the task
count changed since the answers were written, the other files are read as well, so no answer
is lost to a reshard.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import time

from refine.llm import Generation

FSYNC_EVERY_S = 1.0


def text_sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class AnswerStore:
    def __init__(self, folder: str, rank: int, world_size: int, model: str, prompt: str):
        self.folder, self.model, self.prompt = folder, model, prompt
        os.makedirs(folder, exist_ok=True)
        self.path = os.path.join(folder, f"w{world_size:05d}-r{rank:05d}.jsonl")
        others = [p for p in glob.glob(os.path.join(folder, "*.jsonl")) if not os.path.basename(p).startswith(f"w{world_size:05d}-")]
        self.answers: dict[str, dict] = {}
        self.torn_lines = 0
        for path in [self.path] + sorted(others):
            self._load(path)
        self._file = open(self.path, "ab")
        if self._file.tell() > 0 and not self._ends_with_newline():
            self._file.write(b"\n")  # seal a torn line so the next answer starts clean
        self._last_sync = time.monotonic()
        self.added = 0

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            return f.read(1) == b"\n"

    def _load(self, path: str) -> None:
        if not os.path.exists(path):
            return
        with open(path, "rb") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    self.torn_lines += 1
                    continue
                if isinstance(rec, dict) and rec.get("model") == self.model and rec.get("prompt") == self.prompt:
                    self.answers[rec["id"]] = rec

    def __len__(self) -> int:
        return len(self.answers)

    def get(self, doc_id: str, input_sha: str) -> Generation | None:
        rec = self.answers.get(doc_id)
        if rec is None or rec.get("sha") != input_sha:
            return None
        return Generation(rec["text"], rec.get("tokens_in"), rec.get("tokens_out"), rec.get("latency_s") or 0.0, finish_reason=rec.get("finish_reason"))

    def put(self, doc_id: str, input_sha: str, gen: Generation) -> None:
        if not gen.ok:
            return
        rec = {
            "id": doc_id, "sha": input_sha, "prompt": self.prompt, "model": self.model, "text": gen.text,
            "tokens_in": gen.tokens_in, "tokens_out": gen.tokens_out, "latency_s": round(gen.latency_s, 4),
            "finish_reason": gen.finish_reason, "t": round(time.time(), 3),
        }
        self._file.write(json.dumps(rec, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\n")
        self._file.flush()
        now = time.monotonic()
        if now - self._last_sync >= FSYNC_EVERY_S:
            os.fsync(self._file.fileno())
            self._last_sync = now
        self.answers[doc_id] = rec
        self.added += 1

    def close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
