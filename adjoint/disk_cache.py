"""An optional cache of generated gradients on disk, shared across processes.

Off unless the environment variable ADJOINT_CACHE_DIR names a directory, or
`adjoint.set_cache_dir(path)` is called. Within a process `grad(f)` is cached in
memory anyway (api.py); this cache saves the compile in the next process.

A stale entry would be a wrong gradient, so the key covers everything the generated
text depends on, and a function whose dependencies cannot all be described is never
stored:
  * adjoint's own code (a hash of the package's files), Python's minor version and
    NumPy's version;
  * the rule registry's content (so a rule a user registers or edits counts);
  * the function: its file, first line and source text, and, recursively, every
    global, closure value and default it reads: user functions by the same
    description, modules by name (user modules also by the attributes the code
    reads from them), library functions by qualified name, literals by value, other
    data (arrays, objects whose attributes are read) by type. Any other callable
    (a user class, an object with __call__) makes the function uncacheable;
  * wrt and the compile options.
Entries are JSON files named by the key's SHA-256; a damaged one is ignored and
compiled afresh. Entries whose code needs in-process values (closure objects) are not
stored.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
import sys
import types
import warnings

import numpy as np

from .codegen.emit import literal

_UNSET = object()
_dir = _UNSET
_memo = {}


def set_cache_dir(path) -> None:
    """Store generated gradients under `path` (created if missing); None turns the
    cache off. Overrides the ADJOINT_CACHE_DIR environment variable."""
    global _dir
    _dir = None if path is None else os.fspath(path)


def cache_dir():
    """The directory in use, or None when the cache is off."""
    global _dir
    if _dir is _UNSET:
        _dir = os.environ.get("ADJOINT_CACHE_DIR") or None
    return _dir


# ---- the key -------------------------------------------------------------------------
def key(fn, wrt, flags) -> str | None:
    """The entry name for compiling `fn`, or None when `fn` cannot be cached."""
    desc = _Describer().function(fn)
    if desc is None:
        return None
    parts = [_package_hash(), f"{sys.version_info[0]}.{sys.version_info[1]}",
             np.__version__, _registry_hash(), desc, repr(wrt), repr(flags)]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _package_hash() -> str:
    if "package" not in _memo:
        root = os.path.dirname(os.path.abspath(__file__))
        h = hashlib.sha256()
        for dirpath, dirnames, filenames in sorted(os.walk(root)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(".py"):
                    path = os.path.join(dirpath, name)
                    h.update(os.path.relpath(path, root).encode())
                    with open(path, "rb") as f:
                        h.update(f.read())
        _memo["package"] = h.hexdigest()
    return _memo["package"]


def _registry_hash() -> str:
    from .rules import registry
    version = registry.changes()
    if _memo.get("registry_version") != version:
        _memo["registry"] = hashlib.sha256(registry.describe().encode()).hexdigest()
        _memo["registry_version"] = version
    return _memo["registry"]


class _Describer:
    """Text that changes whenever something a function's gradient depends on does."""

    def __init__(self):
        self.seen = {}

    def function(self, fn) -> str | None:
        if id(fn) in self.seen:
            return self.seen[id(fn)] or "<recursive>"
        self.seen[id(fn)] = ""
        try:
            lines, start = inspect.getsourcelines(fn)
            filename = inspect.getsourcefile(fn) or fn.__code__.co_filename
        except (OSError, TypeError):
            return None
        parts = [f"def {fn.__module__}.{fn.__qualname__} {filename}:{start}", "".join(lines)]
        code = fn.__code__
        names = _names(code)
        for name in sorted(names):
            if name in fn.__globals__:
                d = self.value(fn.__globals__[name], names)
                if d is None:
                    return None
                parts.append(f"{name}={d}")
        cells = fn.__closure__ or ()
        for name, cell in zip(code.co_freevars, cells):
            try:
                d = self.value(cell.cell_contents, names)
            except ValueError:  # an empty cell
                d = "<empty>"
            if d is None:
                return None
            parts.append(f"{name}:={d}")
        for d in list(fn.__defaults__ or ()) + list((fn.__kwdefaults__ or {}).values()):
            d = self.value(d, names)
            if d is None:
                return None
            parts.append(f"default={d}")
        text = "\n".join(parts)
        self.seen[id(fn)] = hashlib.sha256(text.encode()).hexdigest()
        return text

    def value(self, v, names) -> str | None:
        text = literal(v)  # what the generated module would write for it
        if text is not None:
            return f"{type(v).__name__}:{text}"
        if isinstance(v, types.FunctionType):
            if _library(getattr(v, "__module__", None)):
                return f"libfn:{v.__module__}.{v.__qualname__}"
            return self.function(v)
        if isinstance(v, types.ModuleType):
            if _library(v.__name__):
                return f"module:{v.__name__}:{getattr(v, '__version__', '')}"
            parts = [f"usermodule:{v.__name__}"]
            for attr in sorted(names):  # the attributes the code may read from it
                if attr in vars(v):
                    d = self.value(vars(v)[attr], names)
                    if d is None:
                        return None
                    parts.append(f"{attr}={d}")
            return "\n".join(parts)
        module = getattr(v, "__module__", None)
        if callable(v) and _library(module) and hasattr(v, "__qualname__"):
            return f"libobj:{module}.{v.__qualname__}"  # np.sin, math.exp, builtins
        if isinstance(v, np.ufunc):
            return f"ufunc:{v.__name__}"
        if not callable(v):  # data: read as a constant, whatever its value
            return f"data:{type(v).__module__}.{type(v).__qualname__}"
        return None


def _names(code) -> set:
    names = set(code.co_names) | set(code.co_freevars)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _library(module) -> bool:
    """Code that ships with Python or an installed package (not the user's)."""
    if not module:
        return False
    top = module.split(".")[0]
    if top in sys.builtin_module_names or top in ("builtins", "numpy", "math", "scipy",
                                                  "adjoint", "_operator", "operator"):
        return True
    mod = sys.modules.get(top)
    path = getattr(mod, "__file__", None) or ""
    return "site-packages" in path or "dist-packages" in path or (
        bool(path) and os.path.abspath(path).startswith(
            os.path.abspath(os.path.dirname(os.__file__))))


# ---- entries -------------------------------------------------------------------------
def load(name: str) -> dict | None:
    path = os.path.join(cache_dir(), name + ".json")
    try:
        with open(path, encoding="utf-8") as f:
            entry = json.load(f)
        if not all(k in entry for k in ("text", "name", "filename", "line_map", "wrt")):
            return None
        entry["line_map"] = {int(k): v for k, v in entry["line_map"].items()}
        return entry
    except (OSError, ValueError, AttributeError):
        return None


def store(name: str, mod, wrt) -> None:
    """Write the entry (atomically); an unwritable directory warns once."""
    if mod.namespace:  # needs values that exist only in this process
        return
    directory = cache_dir()
    entry = {"text": mod.text, "name": mod.name, "filename": mod.filename,
             "line_map": {str(k): v for k, v in mod.line_map.items()},
             "user_file": mod.user_file, "wrt": list(wrt)}
    try:
        os.makedirs(directory, exist_ok=True)
        tmp = os.path.join(directory, f".{name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(entry, f)
        os.replace(tmp, os.path.join(directory, name + ".json"))
    except OSError as exc:
        if not _memo.get("warned"):
            _memo["warned"] = True
            warnings.warn(f"adjoint: cannot write the gradient cache in {directory!r} "
                          f"({exc}); compiling without it", RuntimeWarning, stacklevel=4)
