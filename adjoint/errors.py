"""Errors a user can cause. Each one points at the user's file and line.

Every class derives from `AdjointError`, whose message reads:

    loss.py:12:5: try/except is not supported in a differentiated function
        try:
        ^
    hint: move the try/except into a caller that is not differentiated.
"""
from __future__ import annotations

import functools
import linecache
from dataclasses import dataclass

from .cells import label


@dataclass(frozen=True)
class Location:
    """A place in the user's source: file, 1-based line, 0-based column."""

    filename: str
    lineno: int
    col: int | None = None

    def __str__(self) -> str:
        cell = label(self.filename)  # a notebook cell: IPython's name for it
        if cell is not None:
            col = "" if self.col is None else f", column {self.col + 1}"
            return f"{cell}, line {self.lineno}{col}"
        col = "" if self.col is None else f":{self.col + 1}"
        return f"{self.filename}:{self.lineno}{col}"

    def source_line(self) -> str:
        return linecache.getline(self.filename, self.lineno).rstrip("\n")


class AdjointError(Exception):
    """Base class of every error adjoint raises because of the user's input."""

    def __init__(self, message: str, where: Location | None = None,
                 hint: str | None = None):
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [f"{self.where}: {self.message}" if self.where else self.message]
        if self.where is not None:
            line = self.where.source_line()
            if line:
                stripped = line.lstrip()
                parts.append("    " + stripped)
                if self.where.col is not None:
                    caret = max(0, self.where.col - (len(line) - len(stripped)))
                    parts.append("    " + " " * caret + "^")
        if self.hint:
            parts.append("hint: " + self.hint)
        return "\n".join(parts)


class UnsupportedSyntaxError(AdjointError):
    """A construct the compiler does not differentiate (yet)."""


class NoGradientRuleError(AdjointError):
    """A call to a function that has no gradient rule."""


class NoForwardRuleError(NoGradientRuleError):
    """A differentiable function whose rule has no forward-mode (jvp) template."""


class WrtError(AdjointError, ValueError):
    """`wrt` names no parameter, is out of range or is repeated."""


class SourceUnavailableError(AdjointError):
    """The function's source cannot be read (REPL, exec, builtin, C function)."""


class NonScalarOutputError(AdjointError, ValueError):
    """A gradient of an array-valued function was asked for without `grad_out`."""


class UsageError(AdjointError):
    """Bad command-line input (a TARGET, --wrt or --args that cannot be used)."""


class TargetError(AdjointError):
    """The user's code failed under the CLI: a TARGET with a syntax error, an
    exception while importing it, or while `adjoint check` runs it."""


class GradcheckError(AdjointError):
    """`check_grad`: the compiled gradient disagrees with finite differences."""


def at_the_call(entry):
    """For adjoint's public functions: a refusal (an AdjointError) reaches the user as
    one error at their own call, without the compiler's frames it was raised in."""
    @functools.wraps(entry)
    def public(*args, **kwargs):
        try:
            return entry(*args, **kwargs)
        except AdjointError as exc:
            raise exc.with_traceback(None) from None
    return public


class NotBatchableError(AdjointError):
    """A construct `vmap` cannot apply to a whole batch at once: an `if` with side
    effects on a batched value, a loop whose length differs between examples, ..."""
