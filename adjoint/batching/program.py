"""The user's functions a batched function calls: one batched version per callee and
per facts of its arguments, shared by every call site of one module.

A call whose arguments are all unbatched stays a call of the user's function (its
analysis still gives the rank of its result); otherwise `helper(a, b)` becomes
`helper_batched(a, b)`, compiled from helper's source like the entry point.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import NotBatchableError
from .facts import UNKNOWN, Fact


@dataclass
class Callee:
    name: str | None            # the batched version's name; None: call the original
    result: Fact
    captured: tuple = ()        # a nested def's captured variables (keyword arguments)


@dataclass
class Program:
    compile: object                               # pipeline.compile_batched_callee
    fallback: str | None = None
    callees: dict = field(default_factory=dict)   # key -> Callee
    functions: list = field(default_factory=list)  # (FunctionDef, Source), in order
    taken: set = field(default_factory=set)
    active: set = field(default_factory=set)      # keys being compiled (recursion)
    lines: dict = field(default_factory=dict)     # user_lines() of the entry point
    made: dict = field(default_factory=dict)      # name -> the marks of what it batches

    def fresh(self, base: str) -> str:
        name, n = base, 2
        while name in self.taken:
            name, n = f"{base}{n}", n + 1
        self.taken.add(name)
        return name

    def request(self, target, args, kwargs, where) -> Callee:
        key = (id(getattr(target, "node", target)), tuple(args),
               tuple(sorted(kwargs.items())))
        if key in self.callees:
            return self.callees[key]
        batched = any(f.batched for f in list(args) + list(kwargs.values()))
        if key in self.active:  # a recursive call
            if batched:
                raise NotBatchableError(
                    "a recursive function called with batched arguments", where,
                    hint="write the recursion as a loop over a fixed range, or call "
                         "vmap on the function that calls it with fallback='loop'")
            return Callee(None, UNKNOWN)
        self.active.add(key)
        try:
            callee = self.compile(target, list(args), dict(kwargs), batched, self)
        finally:
            self.active.discard(key)
        self.callees[key] = callee
        return callee


# ---- compiling (the entry point's steps are in adjoint/pipeline.py) -------------------
def with_runtime(source, locals_):
    """The source whose namespace also holds the batching runtime, as `batched` (the
    emitter imports it from there)."""
    import dataclasses
    from . import runtime, build
    present = source.namespace.get(build.RT)
    if build.RT in locals_ or (present is not None and present is not runtime):
        raise NotBatchableError(
            f"{source.name} uses the name {build.RT!r}, which batched code needs for "
            "adjoint's batching helpers", source.where(),
            hint=f"rename the variable {build.RT!r}")
    return dataclasses.replace(source, namespace={**source.namespace, build.RT: runtime})


def bind(source, params: dict) -> dict:
    """name -> fact for every parameter of the function: the facts given (by name)
    and, for parameters not passed, the facts of their defaults."""
    from . import facts
    from .sites import NO, static_value
    args = source.tree.args
    names = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
    out = {}
    defaults = _defaults(source)
    for name in names:
        if name in params:
            out[name] = params[name]
        elif name in defaults:
            out[name] = facts.of_value(defaults[name])
        else:
            node = _default_node(args, name)
            value = static_value(node, source, set()) if node is not None else NO
            out[name] = facts.UNKNOWN if value is NO else facts.of_value(value)
    return out


def _defaults(source) -> dict:
    import inspect
    fn = source.fn
    if not inspect.isfunction(fn) or fn.__name__ != source.name:
        return {}
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return {}
    return {n: p.default for n, p in sig.parameters.items() if p.default is not p.empty}


def _default_node(args, name):
    positional = args.posonlyargs + args.args
    offset = len(positional) - len(args.defaults)
    for i, a in enumerate(positional):
        if a.id == name and i >= offset:
            return args.defaults[i - offset]
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        if a.id == name:
            return d
    return None


def doc(source) -> str:
    import os
    return (f"Batched version (vmap) of {source.name} "
            f"({os.path.basename(source.filename)}, line {source.where().lineno}): "
            "batched arguments and values have the batch axis first.")


def compile_callee(target, args, kwargs, batched, program) -> Callee:
    """Analyse a callee for the facts of its arguments; when one is batched, add its
    batched version to the module."""
    from ..analysis.callees import Nested, callee_source
    from ..pipeline import front_end
    from . import analysis, transform
    source = callee_source(target)
    normal, namer, locals_ = front_end(source, taken=program.taken)
    source = with_runtime(at_user_lines(source, normal, program.lines), locals_)
    a = source.tree.args
    positional = [p.id for p in a.posonlyargs + a.args]
    given = dict(zip(positional, args))
    given.update(kwargs)
    captured = target.captured if isinstance(target, Nested) else ()
    params = bind(source, given)
    facts = analysis.analyze(normal, source, params, locals_, program)
    if not batched and not isinstance(target, Nested):  # (a nested def is lifted)
        return Callee(None, facts.result or UNKNOWN)
    name = program.fresh(f"{'lambda' if source.name == '<lambda>' else source.name}"
                         "_batched")
    gen = transform.Transform(source, facts, namer, locals_, params,
                              program.fallback).function(normal, name)
    gen = transform.tidy(gen, source)
    program.taken |= namer.taken
    program.functions.append((gen, source))
    from ..codegen.emit import made_of  # (a gradient's callee: its backward function's)
    program.made[name] = made_of(target)
    return Callee(name, facts.result or UNKNOWN, captured)


# ---- comments and errors at the user's lines ------------------------------------------
def user_lines(fn) -> dict:
    """For a generated function (a gradient, a jvp) being batched: its module's file
    name -> (generated line -> the user's file and line), read from the comments that
    point at the user's lines, following a gradient of a gradient back to the user's
    own source."""
    import linecache
    import re
    target = fn.differentiable() if callable(getattr(fn, "differentiable", None)) else fn
    user = getattr(target, "fn", None)
    code = getattr(getattr(target, "__wrapped__", target), "__code__", None) or \
        getattr(getattr(target, "generated", None), "__code__", None)
    from ..codegen.emit import generated_file  # (emit's mark, not the file's name)
    if user is None or code is None or not generated_file(code.co_filename):
        return {}
    filename = code.co_filename
    chain = user_lines(user)
    first = _first_line(user)
    inner = next(iter(chain.values()), None) if chain else None
    out, current = {}, None
    for k, text in enumerate(linecache.getlines(filename), 1):
        match = re.match(r"\s*# (?:grad of )?line (\d+):", text)
        if match:
            current = int(match.group(1))
        elif current is not None:
            if inner is not None:
                if current in inner:
                    out[k] = inner[current]
            else:
                out[k] = (_filename(user), current)
    if first is not None and inner is None:
        out[0] = (_filename(user), first)  # the def line, for the module's docstring
    elif inner is not None and 0 in inner:
        out[0] = inner[0]
    return {filename: out}


def _first_line(fn):
    import inspect
    try:
        return inspect.getsourcelines(inspect.unwrap(getattr(fn, "generic", None) or fn))[1]
    except (OSError, TypeError):
        return None


def _filename(fn) -> str:
    import inspect
    fn = inspect.unwrap(getattr(fn, "generic", None) or fn)
    try:
        return inspect.getsourcefile(fn) or fn.__code__.co_filename
    except TypeError:
        return fn.__code__.co_filename


def at_user_lines(source, normal, lines: dict):
    """The source and its normal form with every line the user's (comments and
    errors then point at the user's code, not at the gradient adjoint wrote)."""
    import copy
    import dataclasses
    mapping = lines.get(source.filename)
    if not mapping:
        return source
    files = {f for f, _ in mapping.values()}
    if len(files) != 1:
        return source
    user_file = files.pop()
    seen = set()
    for node in list(_located(normal)):
        if id(node) in seen:  # (a node shared by two statements: mapped once)
            continue
        seen.add(id(node))
        where = mapping.get(source.line_offset + node.lineno)
        node.lineno = None if where is None else where[1]
        node.col_offset = None
    lines = [n.lineno for n in _located(normal) if n.lineno is not None]
    normal.lineno = mapping[0][1] if 0 in mapping else min(lines) - 1 if lines else 1
    tree = copy.copy(source.tree)
    tree.lineno = normal.lineno
    return dataclasses.replace(source, filename=user_file, line_offset=0, col_offset=0,
                               tree=tree)


def _located(tree):
    import gast
    for node in gast.walk(tree):
        if getattr(node, "lineno", None) is not None:
            yield node
