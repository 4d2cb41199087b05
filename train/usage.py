"""What the octo-train subcommands share for their one-line, exit-2 errors."""
from __future__ import annotations

import argparse


class UsageError(Exception):
    """Bad arguments, config or a run that cannot start: one line on stderr, exit 2."""


class UsageParser(argparse.ArgumentParser):
    """An ArgumentParser that raises UsageError instead of printing usage and exiting."""

    def error(self, message):
        raise UsageError(message)
