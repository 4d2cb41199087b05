"""Builds and loads `_fastscore.c` (the C scoring path) with the system C compiler and ctypes.

Built once per source version into `$OCTO_CACHE` (default `~/.cache/octo`), named by a hash of
the source, so a changed file is rebuilt and concurrent tasks never load a half-written library
(each compiles to its own temporary name and renames). No Python headers are needed, only `cc`.
`OCTO_NATIVE=0` turns the C path off. When it cannot be built, `load()` returns None once with a
warning, and scoring keeps the numpy path of `linear.py` (same results, slower).
"""
from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile

log = logging.getLogger(__name__)

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_fastscore.c")
_P = ctypes.c_void_p
_I64 = ctypes.c_int64
_lib: ctypes.CDLL | None = None
_tried = False


def cache_dir() -> str:
    return os.environ.get("OCTO_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "octo")


def _build(target: str) -> None:
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        raise OSError("no C compiler (cc/gcc) on PATH")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=os.path.dirname(target))
    os.close(fd)
    try:
        cmd = [compiler, "-O3", "-shared", "-fPIC", "-o", tmp, SOURCE]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise OSError(f"{' '.join(cmd)} failed: {done.stderr.strip()[:500]}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    lib.octo_normalise.restype = _I64
    lib.octo_normalise.argtypes = [_P, _I64, ctypes.c_int, _P, _P]
    lib.octo_vocab_build.restype = None
    lib.octo_vocab_build.argtypes = [_P, _P, _I64, _P, _P, _I64]
    lib.octo_score.restype = ctypes.c_int
    lib.octo_score.argtypes = [_P, _P, _P, _I64, _P, _P, _P, _P, _I64, _I64, _P, ctypes.c_int, ctypes.c_int,
                               _I64, _P, _P]
    return lib


def load() -> ctypes.CDLL | None:
    """The compiled library, building it on first use; None when that is off or impossible."""
    global _lib, _tried
    if _tried:
        return _lib
    _tried = True
    if os.environ.get("OCTO_NATIVE", "1") == "0":
        return None
    with open(SOURCE, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    target = os.path.join(cache_dir(), f"fastscore-{digest}.so")
    try:
        if not os.path.exists(target):
            _build(target)
        _lib = _declare(ctypes.CDLL(target))
    except OSError as e:
        log.warning("math classifier: C scoring unavailable, using the slower numpy path (%s)", e)
        _lib = None
    return _lib
