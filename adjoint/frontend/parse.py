"""Pass 1: read a function's source and parse it into a gast tree."""
from __future__ import annotations

import builtins
import inspect
import textwrap

import gast

from . import loaded, wrappers
from ..codegen import ast_convert, emit
from ..context import Source
from ..errors import Location, SourceUnavailableError

LIBRARIES = {"numpy", "scipy", "math", "builtins", "adjoint"}


def parse(fn) -> Source:
    # a generated gradient with a scalar fast path is differentiated through its
    # generic version (the fast one only holds for Python numbers)
    # a gradient whose loops batch their products is differentiated through its plain
    # version (built on demand), and one with a scalar fast path through its generic one
    # a decorated function is its wrapper, whose own source is read (wrappers.py)
    if callable(getattr(fn, "differentiable", None)):
        fn = fn.differentiable()
    fn = getattr(fn, "generic", None) or fn
    library = _library(fn)
    if not library:
        fn = wrappers.target(fn)
        library = _library(fn)
    if not inspect.isfunction(fn) or library:
        kind = "library function" if library else type(fn).__name__
        raise SourceUnavailableError(
            f"adjoint.grad needs a Python function defined with def or lambda, "
            f"got {kind} {getattr(fn, '__name__', fn)!r}",
            hint="builtins and C functions have no Python source; wrap the call in "
                 "a def (e.g. def f(x): return np.sin(x)) and differentiate that")
    try:  # (of the code object: inspect.getsourcelines(fn) would unwrap a wrapper)
        lines, start = inspect.getsourcelines(fn.__code__)
        filename = inspect.getsourcefile(fn.__code__) or fn.__code__.co_filename
    except (OSError, TypeError) as exc:
        if fn.__code__.co_filename == "<stdin>":  # Python's prompt keeps no source
            raise SourceUnavailableError(
                f"{fn.__qualname__} was typed at Python's interactive prompt, which "
                "keeps no source adjoint can read (before Python 3.13)",
                hint="put the function in a .py file and import it, or use IPython, "
                     "a notebook or Python 3.13's prompt (they keep the source)") from None
        raise SourceUnavailableError(
            f"cannot read the source of {fn.__qualname__} "
            f"(defined in {fn.__code__.co_filename!r}): {exc}",
            Location(fn.__code__.co_filename, fn.__code__.co_firstlineno),
            hint="define the function in a .py file (functions typed at a REPL or "
                 "created by exec have no source adjoint can read)") from None
    text = "".join(lines)
    generated = emit.generated(fn)
    if not generated:  # (a generated gradient's text is the one it was made from)
        loaded.check(fn, text, filename, max(start, 1))
    dedented = textwrap.dedent(text)
    indent = len(lines[0]) - len(lines[0].lstrip())
    start = max(start, 1)
    try:
        module = ast_convert.parse(dedented)
    except SyntaxError:
        module = None
    tree = _find_def(module, fn) if module is not None else None
    if tree is None and fn.__code__.co_name == "<lambda>":
        tree = _lambda_from_lines(lines, fn)
        indent = 0
    if tree is None:
        raise SourceUnavailableError(
            f"cannot find the definition of {fn.__qualname__} in its source",
            Location(filename, start),
            hint="differentiate a function defined with def at the top of a statement")
    tree.decorator_list = []
    source = Source(fn, fn.__name__, filename, start - 1, indent, tree,
                    _namespace(fn), frozenset(fn.__code__.co_freevars),
                    generated=generated)
    wrappers.forward_arguments(tree, fn, source.where())
    return source


def _library(fn) -> bool:
    """A function of NumPy, SciPy, math, the builtins or adjoint itself (its module's
    top-level package), not a gradient adjoint generated (emit's mark)."""
    module = getattr(fn, "__module__", None) or ""
    return module.split(".")[0] in LIBRARIES and not emit.generated(fn)


def _find_def(module, fn):
    """The def the source block begins with (named as compiled: a wrapper made with
    functools.wraps carries the wrapped function's __name__)."""
    name = fn.__code__.co_name
    if name == "<lambda>":
        return None
    for node in module.body:
        if isinstance(node, (gast.FunctionDef, gast.AsyncFunctionDef)) \
                and node.name == name:  # async: the fence rejects it
            return node
    return None


def _lambda_from_lines(lines, fn):
    """A lambda becomes `def <lambda>(args): return body` (the one with fn's args)."""
    text = textwrap.dedent("".join(lines)).strip()
    candidates = [text, text.rstrip(",)"), "(" + text + ")"]
    for cand in candidates:
        try:
            module = ast_convert.parse(cand)
        except SyntaxError:
            continue
        argnames = list(fn.__code__.co_varnames[:fn.__code__.co_argcount])
        found = [n for n in gast.walk(module) if isinstance(n, gast.Lambda)
                 and [a.id for a in n.args.args] == argnames]
        if len(found) == 1:
            lam = found[0]
            ret = gast.Return(value=lam.body)
            gast.copy_location(ret, lam.body)
            node = gast.FunctionDef(name="<lambda>", args=lam.args, body=[ret],
                                    decorator_list=[], returns=None, type_comment=None,
                                    type_params=[])
            return gast.copy_location(node, lam)
    return None


def _namespace(fn) -> dict:
    ns = dict(vars(builtins))
    ns.update(fn.__globals__)
    if fn.__closure__:
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
            try:
                ns[name] = cell.cell_contents
            except ValueError:  # empty cell: the variable is not bound yet
                pass
    return ns
