"""Last pass: turn the generated function into a readable, importable module.

Statements are unparsed with the standard library's unparser (via gast); this
module adds what it cannot: comments pointing at the user's lines, and a header
of imports. The text is registered in `linecache` before `compile`, so
`inspect.getsource`, tracebacks and pdb all show the generated code.
"""
from __future__ import annotations

import builtins
import linecache
import math
import sys
import types
import weakref
from dataclasses import dataclass, field

import gast
import numpy as np

from .. import __version__, cells, custom
from . import ir, tracebacks
from .marks import NONE
from ..context import Source

LITERALS = (int, float, complex, bool, str, type(None))


def literal(value) -> str | None:
    """Python source for a captured constant (a number, string, None, or a tuple of
    them), or None. inf and nan have no literal: float('inf'); NumPy scalars are
    written as the Python numbers they equal."""
    if isinstance(value, np.generic) and value.ndim == 0 and value.dtype.kind in "biuf":
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, LITERALS):
        return repr(value)
    if type(value) is tuple:
        parts = [literal(v) for v in value]
        if all(p is not None for p in parts):
            return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    return None


@dataclass
class Module:
    text: str
    name: str              # the generated function's name
    filename: str          # pseudo file name registered in linecache
    namespace: dict        # values the module needs that no import can supply
    line_map: dict         # generated line -> user's line
    user_file: str = ""     # the user's file those lines are in
    where: object = None    # the user's function (a Location), for errors at the call
    made: dict = field(default_factory=dict)  # function name -> its marks (marks.py)


def render_function(fn: gast.FunctionDef, source: Source, line_map: dict,
                    first_line: int, made=NONE) -> list[str]:
    """The lines of one function; `made` (its marks) says where its adjoint code is:
    from its seed on, or all of a callee's backward function."""
    header = ir.unparse(_copy_def(fn)).splitlines()[0]
    lines = [header]
    _block(fn.body, "    ", source, lines, line_map, first_line, [made.backward], None,
           made.seed_in(fn.body))
    return lines


def _copy_def(fn):
    new = gast.FunctionDef(name=fn.name, args=fn.args, body=[gast.Pass()],
                           decorator_list=[], returns=None, type_comment=None,
                           type_params=[])
    return gast.copy_location(new, fn)


def _block(body, indent, source, lines, line_map, first, in_grad, prev_line, seed):
    for stmt in body:
        if stmt is seed:
            in_grad[0], prev_line = True, None
        line = getattr(stmt, "lineno", None)
        if line is not None and line != prev_line and not isinstance(stmt, gast.Return):
            prefix = "grad of line" if in_grad[0] else "line"
            user = source.line_offset + line
            lines.append(f"{indent}# {prefix} {user}: {source.user_line(line)}")
            prev_line = line
        if line is not None:
            line_map[first + len(lines)] = source.line_offset + line
        if isinstance(stmt, gast.If):
            _if(stmt, indent, source, lines, line_map, first, in_grad, line, seed)
        elif isinstance(stmt, (gast.For, gast.While)):
            head = ir.unparse(_empty(stmt)).splitlines()[0]
            lines.append(indent + head)
            _block(stmt.body, indent + "    ", source, lines, line_map, first, in_grad, line,
                   seed)
        else:
            lines.extend(indent + text for text in _statement(stmt).splitlines())


def _statement(stmt) -> str:
    """One simple statement. Tuple targets are written without parentheses on every
    Python (3.10's unparser adds them), so the text does not depend on the version."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Tuple) and stmt.targets[0].elts:
        names = ", ".join(ir.unparse(e) for e in stmt.targets[0].elts)
        return f"{names} = {ir.unparse(stmt.value)}"
    return ir.unparse(stmt)


def _if(stmt, indent, source, lines, line_map, first, in_grad, line, seed, kw="if"):
    lines.append(f"{indent}{kw} {ir.unparse(stmt.test)}:")
    _block(stmt.body, indent + "    ", source, lines, line_map, first, in_grad, line, seed)
    orelse = stmt.orelse
    if len(orelse) == 1 and isinstance(orelse[0], gast.If):
        _if(orelse[0], indent, source, lines, line_map, first, in_grad, line, seed, "elif")
    elif orelse:
        lines.append(f"{indent}else:")
        _block(orelse, indent + "    ", source, lines, line_map, first, in_grad, line, seed)


def _empty(stmt):
    new = type(stmt)(**{f: getattr(stmt, f) for f in stmt._fields})
    new.body = [gast.Pass()]
    new.orelse = []
    return new


def free_names(tree) -> list[str]:
    """Names the module's functions read but do not bind (its globals)."""
    bound, loads = set(), set()
    stack = [tree]  # a stack walk that skips contexts, operators and constants
    while stack:
        node = stack.pop()
        if type(node) is list:
            stack.extend(node)
            continue
        if not isinstance(node, gast.AST):
            continue
        if isinstance(node, gast.FunctionDef):
            bound.add(node.name)
        elif isinstance(node, gast.Name):
            if isinstance(node.ctx, (gast.Store, gast.Param, gast.Del)):
                bound.add(node.id)
            else:
                loads.add(node.id)
        for f in node._fields:
            value = getattr(node, f)
            if type(value) is list:
                stack.extend(value)
            elif isinstance(value, gast.AST) and not isinstance(value, _LEAVES):
                stack.append(value)
    return sorted(loads - bound)


_LEAVES = ir.LEAVES


def _unique(items):
    out = []
    for item in items:
        if not any(item is o for o in out):
            out.append(item)
    return out


def _order(head: list[str]) -> list[str]:
    """Imports first (plain, then from), then the closure's values."""
    imports = sorted({h for h in head if h.startswith(("import ", "from "))},
                     key=lambda s: (not s.startswith("import "), s))
    defs = [h for h in head if h and not h.startswith(("import ", "from "))]
    return imports + ([""] if defs else []) + defs


def header_and_namespace(fn, source: Source, defined=()) -> tuple[list[str], dict]:
    """Imports for every global the generated function reads."""
    imports, defs, namespace = [], [], {}
    mod = getattr(source.fn, "__module__", None)
    module = sys.modules.get(mod)
    globals_ = getattr(source.fn, "__globals__", None)
    for n in free_names(fn):
        if n in defined:
            continue
        if n == "rt":
            imports.append("from adjoint import runtime as rt")
        elif n == "np" and source.namespace.get("np") in (None, sys.modules["numpy"]):
            imports.append("import numpy as np")
        elif n == "math" and "math" not in source.namespace:
            imports.append("import math")
        elif custom.template_import(n, source) is not None:  # a custom rule's function
            kind, text, *value = custom.template_import(n, source)
            (imports if kind == "import" else defs).append(text)
            namespace.update({n: value[0]} if value else {})
        elif n not in source.namespace:
            continue  # a builtin such as range, or the stack
        else:
            value = source.namespace[n]
            if hasattr(builtins, n) and getattr(builtins, n) is value:
                continue
            if isinstance(value, types.ModuleType):
                imports.append(f"import {value.__name__}" if value.__name__ == n
                               else f"import {value.__name__} as {n}")
            elif n in source.passed:
                namespace[n] = value
                defs.append(f"# {n}: the function passed to {source.name}, supplied "
                            "when compiled in-process")
            elif n in source.closure and literal(value) is not None:
                defs.append(f"{n} = {literal(value)}  # captured from {source.name}'s "
                            "closure")
            elif n not in source.closure and module is not None \
                    and getattr(module, "__dict__", None) is globals_:
                imports.append(f"from {mod} import {n}")
            else:
                namespace[n] = value
                defs.append(f"# {n}: a value captured from {source.name}'s closure, "
                            "supplied when compiled in-process")
    return imports + defs, namespace



def module(fns, source: Source, doc: str, tag: str = "", made=None) -> Module:
    """The module text holding `fns`: functions, or (function, its Source) pairs for
    functions made from other sources (callees); the first is the entry point.
    `made`: function name -> its marks (Program.made)."""
    fns = fns if isinstance(fns, list) else [fns]
    fns = [f if isinstance(f, tuple) else (f, source) for f in fns]
    fn = fns[0][0]
    head, namespace = [], {}
    for src in _unique(s for _, s in fns):
        mine = gast.Module(body=[f for f, s in fns if s is src], type_ignores=[])
        h, ns = header_and_namespace(mine, src, defined={f.name for f, _ in fns})
        head += [line for line in h if line not in head]
        namespace.update(ns)
    head = _order(head)
    lines = [f'"""{doc}', "", f"Generated by adjoint {__version__}; comments point at "
             f"{cells.short(source.filename)}.", '"""']
    lines += head
    line_map = {}
    for f, src in fns:
        lines += ["", ""]
        lines += render_function(f, src, line_map, len(lines), (made or {}).get(f.name, NONE))
    text = "\n".join(lines) + "\n"
    where = f"{cells.short(source.filename)}:{source.where().lineno}"
    filename = f"<adjoint {fn.name}{tag} of {where}>"
    return Module(text, fn.name, filename, namespace, line_map, source.filename,
                  source.where(), dict(made or {}))


# What emit.load made, marked as it is made: a function of a generated module is
# recognised by identity, never by its name or module's name.
_LOADED = weakref.WeakKeyDictionary()  # each function a loaded module defined -> its
_FILES = set()                # marks (Made); the linecache names their code runs under


def generated(fn) -> bool:
    """Whether `fn` is a function of a module adjoint generated and loaded."""
    try:
        return fn in _LOADED
    except TypeError:  # (not weakly referable: not one of them)
        return False


def made_of(fn):
    """The marks the compiler set in a generated function (its seed, its stack, a
    backward function's): for a pass that transforms it again (vmap)."""
    try:
        return _LOADED.get(fn, NONE)
    except TypeError:
        return NONE


def generated_file(filename: str) -> bool:
    """Whether code of `filename` (a traceback frame's) is a generated module's."""
    return filename in _FILES


def calls_helper(mod: Module, helpers) -> bool:
    """Whether the module's code calls one of the runtime functions `helpers` (by
    identity: `rt.<name>` resolved in adjoint.runtime, ir.helper)."""
    tree = gast.parse(mod.text)
    return any(isinstance(n, gast.Call) and any(ir.helper(n) is h for h in helpers)
               for n in ir.nodes(tree))


def load(mod: Module):
    """Compile and execute the module; return the generated function. A different
    text already registered under the same name (the version compiled to be
    differentiated again, a recompilation) keeps its entry: this one gets `#2`, ..."""
    lines = mod.text.splitlines(True)
    base, n = mod.filename, 2
    while mod.filename in linecache.cache and linecache.cache[mod.filename][2] != lines:
        mod.filename, n = f"{base[:-1]} #{n}>", n + 1
    linecache.cache[mod.filename] = (len(mod.text), None, lines, mod.filename)
    code, guard = tracebacks.compile_module(mod)  # runtime errors name the user's line
    namespace = {"__name__": f"adjoint.generated.{mod.name}", **mod.namespace, **guard}
    exec(code, namespace)
    _FILES.add(mod.filename)
    for value in list(namespace.values()):
        if isinstance(value, types.FunctionType) and value.__globals__ is namespace:
            _LOADED[value] = mod.made.get(value.__name__, NONE)
    return namespace[mod.name]


def strip_comments(body):
    return [s for s in body if not ir.is_comment(s)]
