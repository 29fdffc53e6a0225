"""Errors raised while a generated gradient runs point back at the user's line.

`compile_module` compiles the module text as written, except that the generated
function's body is wrapped in `try: ... except Exception as e: note(e); raise`.
The text (what `.source`, tracebacks and pdb show) is unchanged, every statement
keeps its line number, and the handler costs nothing on the success path (zero-cost
exception tables on 3.11+, one SETUP_FINALLY on 3.10). When an exception passes
through, `Noter` adds a note naming the generated line and the user's file:line:

    ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0 ...
    in generated line 12 of dloss_dW (the forward sweep):
        W_x = W @ x
    which comes from model.py:9:
        h = np.tanh(W @ x)
"""
from __future__ import annotations

import ast
import linecache
import os
import re

from .. import cells
from . import foreign

NOTE = "_adjoint_note"
_HANDLER = f"""
try:
    pass
except Exception as _adjoint_exc:
    {NOTE}(_adjoint_exc)
    raise
"""
_COMMENT = re.compile(r"\s*# (grad of line|line) (\d+): ")


def compile_module(mod):
    """Compile `mod.text` with the guard around `mod.name` and the check of argument
    types first in it (foreign.py); return (code, namespace)."""
    tree = ast.parse(mod.text, mod.filename)
    foreign.inject(tree, mod.name)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == mod.name:
            guard = ast.parse(_HANDLER).body[0]
            for part in ast.walk(guard):  # the handler sits on the def line
                if hasattr(part, "lineno"):
                    part.lineno = part.end_lineno = node.lineno
                    part.col_offset = part.end_col_offset = 0
            guard.body = node.body
            node.body = [guard]
    return compile(tree, mod.filename, "exec"), {
        NOTE: Noter(mod), foreign.ACCEPT: foreign.Accept(mod.where, mod.name)}


class Noter:
    """Adds one note per exception naming the generated line and the user's line."""

    def __init__(self, mod):
        self.name = mod.name
        self.filename = mod.filename
        self.line_map = mod.line_map
        self.user_file = getattr(mod, "user_file", "") or ""

    def __call__(self, exc: BaseException) -> None:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != self.filename:
            tb = tb.tb_next
        if tb is None:
            return
        add_note(exc, self.describe(tb.tb_lineno))

    def describe(self, lineno: int) -> str:
        text = linecache.getline(self.filename, lineno).strip()
        part, user = self._origin(lineno)
        lines = [f"in generated line {lineno} of {self.name}{part}:", f"    {text}"]
        if user is not None and self.user_file:
            cell = cells.label(self.user_file)
            shown = f"{cell}, line " if cell else os.path.relpath(self.user_file) + ":" \
                if not self.user_file.startswith("<") else self.user_file + ":"
            lines.append(f"which comes from {shown}{user}:")
            lines.append("    " + linecache.getline(self.user_file, user).strip())
        return "\n".join(lines)

    def _origin(self, lineno: int):
        """(' (the adjoint sweep)' or ' (the forward sweep)', user line or None)."""
        user = self.line_map.get(lineno)
        for back in range(lineno, 0, -1):
            match = _COMMENT.match(linecache.getline(self.filename, back))
            if match:
                kind = "adjoint" if match.group(1) == "grad of line" else "forward"
                return f" (the {kind} sweep)", user if user is not None \
                    else int(match.group(2))
        return "", user


def add_note(exc: BaseException, note: str) -> None:
    """`exc.add_note` on 3.11+; on 3.10, `__notes__` plus the note in the message."""
    if hasattr(exc, "add_note"):
        exc.add_note(note)
        return
    exc.__notes__ = list(getattr(exc, "__notes__", [])) + [note]
    if len(exc.args) == 1 and isinstance(exc.args[0], str):
        exc.args = (exc.args[0] + "\n" + note,)
