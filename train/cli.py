"""`octo-train`: mid-training (`--mix NAME`), `rl` (GRPO) and `eval`.

Each subcommand lives in its own module and is imported only when used, so `octo-train --help`
answers without loading torch.
"""
from __future__ import annotations

import sys

USAGE = """usage: octo-train --mix NAME [--config pipelines.yaml] [--data DIR] [--run-dir DIR]
                  [--init-from DIR] [--max-steps N] [--resume]
       octo-train rl [--config pipelines.yaml] [--data DIR] [--run-dir DIR] [--init-from DIR]
                  [--max-steps N] [--resume]
       octo-train eval --benchmark NAME [--data FILE] (--model DIR | --predictions FILE.jsonl)
                  [--shots K] [--n N]

Stable-then-Decay mid-training on a packed mix, GRPO with a rule-based math reward, and few-shot
math evaluation. `octo-train COMMAND --help` for the options of each."""

COMMANDS = {
    "rl": "train.grpo",
    "eval": "train.evaluate",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    module = COMMANDS.get(argv[0])
    if module is not None:
        argv = argv[1:]
    elif argv[0].startswith("-"):
        module = "train.midtrain"
    else:
        print(f"octo-train: unknown command {argv[0]!r} (rl, eval, or --mix NAME)", file=sys.stderr)
        return 2
    import importlib

    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        print(f"octo-train: {e.name} is not installed; install the training extra: pip install -e '.[train]'", file=sys.stderr)
        return 2
    return mod.main(argv)


if __name__ == "__main__":
    sys.exit(main())
