"""Whether the source text adjoint read is the code that runs.

A module edited after it was imported (a notebook, a long-running process) has new
text on disk and old code in memory; differentiating the text would give the
gradient of a function nobody calls. The compiled function's code object is the
ground truth: the file's text is compiled again, and the function's code must be
in it, instruction for instruction, constant for constant, at the same line; or the
function's own text, compiled in a setting like the first one (IPython compiles a
cell statement by statement, and the compiler calls an imported module's functions
differently when the import is in the same unit), must give it.
"""
from __future__ import annotations

import __future__
import functools
import linecache
import textwrap
import types

from ..errors import Location, SourceUnavailableError

_FUTURE = 0
for _feature in __future__.all_feature_names:
    _FUTURE |= getattr(__future__, _feature).compiler_flag
_FIELDS = ("co_code", "co_names", "co_varnames", "co_freevars", "co_cellvars",
           "co_argcount", "co_posonlyargcount", "co_kwonlyargcount")


def check(fn, text: str, filename: str, lineno: int) -> None:
    """Refuse `fn` when its file (whose def at `lineno` is `text`) compiles to other
    code than the function's own."""
    code = fn.__code__
    whole = _compiled_file(filename, "".join(linecache.getlines(filename)))
    if whole is not None and any(_same(c, code) for c in _codes(whole)
                                 if c.co_name == code.co_name
                                 and c.co_firstlineno == code.co_firstlineno):
        return
    found = _block_codes(fn, text)  # (compiled on its own, as IPython compiles a cell's
    if any(_same(c, code) for c in found):  # statements one by one)
        return
    if not found and whole is None and code.co_name == "<lambda>":
        return  # a lambda in a file that does not compile: its line is not checked
    raise SourceUnavailableError(
        f"the source of {fn.__qualname__} in {filename} is not the code that runs: the "
        "file was changed after the function was defined", Location(filename, lineno),
        hint="reload the module (importlib.reload; in a notebook, run the cell "
             "defining it again) so that the function is the text adjoint reads, then "
             "differentiate it again")


@functools.lru_cache(maxsize=16)
def _compiled_file(filename: str, text: str):
    """The file's module code, or None when the text does not compile on its own."""
    try:
        return compile(text, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None


def _block_codes(fn, text: str) -> list:
    """Code objects named like `fn` compiled from its own text: inside a function
    binding the closure's variables, inside a class of the same name for a method,
    with or without the module names it reads bound by imports (the compiler calls
    an imported module's functions differently)."""
    code = fn.__code__
    body = textwrap.dedent(text)
    if code.co_freevars or code.co_name == "<lambda>":  # (a lambda's statement may be
        cells = " = ".join(code.co_freevars + ("_",))   # a return)
        body = f"def __context__():\n    {cells} = None\n" + textwrap.indent(body, "    ")
    parts = fn.__qualname__.split(".")
    owner = parts[-2] if len(parts) > 1 else "<locals>"
    if owner != "<locals>" and owner.isidentifier():  # a method: names are mangled
        body = f"class {owner}:\n" + textwrap.indent(body, "    ")
    modules = [n for n in code.co_names
               if isinstance(fn.__globals__.get(n), types.ModuleType)]
    out = []
    for head in ("", "".join(f"import sys as {n}\n" for n in modules)):
        try:
            compiled = compile(head + body, code.co_filename, "exec", dont_inherit=True,
                               flags=code.co_flags & _FUTURE)
        except (SyntaxError, ValueError):
            continue
        out += [c for c in _codes(compiled) if c.co_name == code.co_name]
    return out


def _codes(code):
    """Every code object `code` holds, nested ones included."""
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            yield const
            yield from _codes(const)


def _same(a, b) -> bool:
    if any(getattr(a, f) != getattr(b, f) for f in _FIELDS):
        return False
    if len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if hasattr(x, "co_code") or hasattr(y, "co_code"):
            if not (hasattr(x, "co_code") and hasattr(y, "co_code") and _same(x, y)):
                return False
        elif not _equal(x, y):
            return False
    return True


def _equal(x, y) -> bool:
    """Constants equal as the compiler keeps them apart (-0.0 is not 0.0; a frozenset
    is compared as a set: its order depends on string hashing)."""
    if type(x) is not type(y):
        return False
    if type(x) is tuple:
        return len(x) == len(y) and all(_equal(a, b) for a, b in zip(x, y))
    if type(x) in (float, complex):
        return repr(x) == repr(y)
    return x == y
