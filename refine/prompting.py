"""Prompt files: loading, rendering to chat messages, and the version hash recorded with answers.

A prompt is a text file in refine/prompts/ (or any path). Lines starting with '#' before the
first section are comments. Sections open with a line `@@ system`, `@@ user` or
`@@ assistant`; each becomes one chat message. `{{name}}` is replaced by the keyword argument of
that name in a single pass, so braces in LaTeX and in the substituted document are left alone.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re

PROMPTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "prompts")
ROLES = ("system", "user", "assistant")
_SECTION = re.compile(r"^@@\s*(\w+)\s*$")
_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def prompt_path(name: str) -> str:
    """`refine` -> refine/prompts/refine.txt; a name with a slash or suffix is a path."""
    if os.sep in name or "/" in name or name.endswith((".txt", ".md")):
        path = name
    else:
        path = os.path.join(PROMPTS_DIR, f"{name}.txt")
    if not os.path.isfile(path):
        known = sorted(f[:-4] for f in os.listdir(PROMPTS_DIR) if f.endswith(".txt"))
        raise ValueError(f"prompt {name!r}: no file {path} (bundled prompts: {', '.join(known)})")
    return path


@functools.lru_cache(maxsize=64)
def _load(path: str, mtime: float) -> tuple[str, tuple[tuple[str, str], ...]]:
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    sections: list[tuple[str, list[str]]] = []
    for line in raw.splitlines():
        m = _SECTION.match(line)
        if m:
            role = m.group(1).lower()
            if role not in ROLES:
                raise ValueError(f"{path}: unknown section @@ {role} (use {', '.join(ROLES)})")
            sections.append((role, []))
        elif sections:
            sections[-1][1].append(line)
        elif line.strip() and not line.lstrip().startswith("#"):
            raise ValueError(f"{path}: text before the first '@@ system' / '@@ user' section")
    if not sections:
        raise ValueError(f"{path}: no '@@ user' section")
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12]
    return digest, tuple((role, "\n".join(lines).strip("\n")) for role, lines in sections)


def _loaded(name: str):
    path = prompt_path(name)
    return _load(path, os.path.getmtime(path))


def prompt_hash(name: str) -> str:
    """Version of a prompt: `<name>@<first 12 hex of sha256 of the file>`."""
    digest, _ = _loaded(name)
    base = os.path.basename(name)
    base = base[:-4] if base.endswith(".txt") else base
    return f"{base}@{digest}"


def prompt_variables(name: str) -> set[str]:
    _, sections = _loaded(name)
    return {v for _, body in sections for v in _VAR.findall(body)}


def render_prompt(name: str, **variables: str) -> list[dict]:
    """The prompt as chat messages, `{{var}}` filled in. A missing variable is an error."""
    _, sections = _loaded(name)
    missing = prompt_variables(name) - set(variables)
    if missing:
        raise ValueError(f"prompt {name!r}: missing variable(s) {sorted(missing)}")

    def fill(m: re.Match) -> str:
        return str(variables[m.group(1)])

    return [{"role": role, "content": _VAR.sub(fill, body)} for role, body in sections]


_SCORE = re.compile(r"score\s*[:=]\s*\**\s*([0-5])(?:\s*/\s*5)?\b", re.IGNORECASE)


def parse_score(answer: str | None) -> int | None:
    """The 0-5 score of a math_score answer: the last `Score: N` in it, else None."""
    if not answer:
        return None
    found = _SCORE.findall(answer)
    return int(found[-1]) if found else None
