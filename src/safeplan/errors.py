"""The exception family. Only "cannot run" raises; problems in the data are findings."""

from __future__ import annotations


class SafeplanError(Exception):
    """Base of every error safeplan raises on purpose.

    ``hint`` says how to fix it; the CLI prints it as ``Tip: …``.
    """

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(SafeplanError):
    """``indicators.yaml`` cannot be used: syntax, schema, references, paths."""


class DataError(SafeplanError):
    """The data cannot be used at all (e.g. a year absent from every dataset)."""


class UsageError(SafeplanError):
    """The command line asks for something that cannot be done."""
