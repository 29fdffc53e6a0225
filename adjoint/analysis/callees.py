"""Calls to the user's own functions: one generated forward/backward pair per callee.

A call `y = helper(a, b)` whose result is active becomes, in the forward sweep,

    helper_tape = helper_fwd_da(a, b)     # the value and the residuals its reverse needs
    y = helper_tape[0]

and in the adjoint sweep `_ba = helper_bwd_da(helper_tape, by)`. The pair is
generated once per (callee, differentiated parameters) and shared by every call
site, recursive calls included, so recursion costs time proportional to its depth.
Nested `def`s and lambdas are lifted to module level; the variables they capture
become keyword-only parameters, so a gradient flows into a captured variable too.
"""
from __future__ import annotations

import copy
import inspect
from keyword import iskeyword
from dataclasses import dataclass, field, replace

import gast

from ..context import Source


@dataclass(frozen=True)
class Nested:
    """A `def` or lambda inside the differentiated function (or a function of it)."""

    node: gast.FunctionDef
    captured: tuple[str, ...]   # the enclosing function's variables it reads
    parent: Source
    outer: tuple | None = None  # the variables holding them where it is called, when
    # it was passed to another function (function_args.py); else `captured` itself

    @property
    def passed(self) -> tuple:
        return self.captured if self.outer is None else self.outer


@dataclass
class Callee:
    source: Source
    wrt: tuple[str, ...]
    fwd: str
    bwd: str
    number_result: bool = False  # a number whenever its arguments are (scalars.py)


@dataclass
class Program:
    """Every function of one generated module besides its entry point. Callees are
    keyed by identity (function_args.identity): the function, or the def node."""

    callees: dict = field(default_factory=dict)     # key -> Callee
    jvps: dict = field(default_factory=dict)        # key -> (name, {param: tangent})
    primals: dict = field(default_factory=dict)     # key -> name of its primal copy
    functions: list = field(default_factory=list)   # (FunctionDef, Source), in order
    taken: set = field(default_factory=set)
    made: dict = field(default_factory=dict)  # function name -> codegen.marks.Made
    compile_split: object = None   # pipeline.compile_callee, set by the pipeline
    compile_jvp: object = None     # pipeline.compile_callee_jvp (forward mode)
    compile_primal: object = None  # pipeline.compile_primal
    # Adjoint sweeps may scatter into owned adjoints in place (`rt.add_at`) and batch
    # loop products; False in the version that is differentiated again, which must
    # use only operations with rules and no writes hidden inside a call.
    in_place: bool = True

    def fresh(self, base: str) -> str:
        name, n = base, 2
        while name in self.taken:
            name, n = f"{base}{n}", n + 1
        self.taken.add(name)
        return name

    def request(self, target, wrt) -> Callee:
        """The forward/backward pair of `target` (a function, a Nested or a
        Specialized) for `wrt`."""
        from .function_args import identity
        key = (identity(target), tuple(wrt))
        if key in self.callees:
            return self.callees[key]
        source = callee_source(target)
        base, suffix = label(target, source), "_d" + "_".join(wrt)
        callee = Callee(source, tuple(wrt), self.fresh(f"{base}_fwd{suffix}"),
                        self.fresh(f"{base}_bwd{suffix}"))
        self.callees[key] = callee           # registered first: recursion finds it
        self.compile_split(callee, self)
        return callee

    def jvp(self, target, wrt) -> tuple[str, dict]:
        """Forward mode: `jvp_<f>_d<x>(args..., *, d_x=...)` returning (value, tangent)."""
        from .function_args import identity
        key = (identity(target), tuple(wrt))
        if key not in self.jvps:
            source = callee_source(target)
            name = self.fresh(f"jvp_{label(target, source)}_d{'_'.join(wrt)}")
            taken = {a.id for a in gast.walk(source.tree.args) if isinstance(a, gast.Name)}
            tangents = {}
            for p in wrt:
                t = "d_" + p
                while t in taken:
                    t += "_"
                tangents[p] = t
                taken.add(t)
            self.jvps[key] = (name, tangents)  # registered first: recursion finds it
            self.compile_jvp(source, tuple(wrt), name, tangents, self)
        return self.jvps[key]

    def primal(self, target) -> str:
        """A module-level copy of a nested (or specialised) function, for calls
        nothing differentiates: the name of its function."""
        from .function_args import identity
        key = identity(target)
        if key not in self.primals:
            source = callee_source(target)
            base = label(target, source)
            name = self.primals[key] = self.fresh(base + "_" if iskeyword(base) else base)
            self.compile_primal(source, name, self)  # (registered first: recursion)
        return self.primals[key]


def label(target, source) -> str:
    """The base of a callee's generated names: its name, `lambda` for a lambda, and
    the functions it is specialised on (`apply_h`)."""
    from .function_args import Specialized
    if isinstance(target, Specialized):
        return target.label()
    return "lambda" if source.name == "<lambda>" else source.name


def callee_source(target) -> Source:
    from .function_args import Specialized, specialized_source
    if isinstance(target, Specialized):
        return specialized_source(target)
    if isinstance(target, Nested):
        return lifted(target)
    from ..frontend.parse import parse
    return parse(target)


def lifted(nested: Nested) -> Source:
    """The nested function as a Source of its own, captured variables as kw-only params."""
    tree = copy.deepcopy(nested.node)
    for name in nested.captured:
        tree.args.kwonlyargs.append(gast.Name(id=name, ctx=gast.Param(), annotation=None,
                                              type_comment=None))
        tree.args.kw_defaults.append(None)
    parent = nested.parent  # same file and globals: `fn` is the enclosing function
    return Source(parent.fn, tree.name, parent.filename, parent.line_offset,
                  parent.col_offset, tree, parent.namespace, parent.closure,
                  nested=dict(parent.nested),  # it may call its sibling nested defs
                  generated=parent.generated, passed=parent.passed)


def capture_through_siblings(source: Source) -> None:
    """A nested function calling (or passing on) another one also captures what that
    one reads (the variables holding it here), which it must be able to pass to it."""
    from ..codegen.ir import stored_names
    from ..errors import UnsupportedSyntaxError
    nested = source.nested
    changed = True
    while changed:
        changed = False
        for name, fn in list(nested.items()):
            own = {a.id for a in fn.node.args.args + fn.node.args.kwonlyargs
                   + fn.node.args.posonlyargs} | stored_names(fn.node.body)
            siblings = {n.id for n in gast.walk(fn.node) if isinstance(n, gast.Name)
                        and n.id in nested and n.id != name and n.id not in own}
            # (the names holding what a sibling captures here: a function passed to
            # this one is called with this function's own parameters for them)
            needed = set().union(*(nested[s].passed for s in siblings)) - \
                set(fn.captured)
            if not needed:
                continue
            if needed & own:
                clash = sorted(needed & own)[0]
                raise UnsupportedSyntaxError(
                    f"{name} calls a function that reads the variable {clash} of "
                    f"{source.name}, but has a {clash} of its own ({source.name})",
                    source.where(fn.node), hint=f"rename {clash} in {name}")
            nested[name] = replace(fn, captured=tuple(sorted(
                set(fn.captured) | needed)))
            changed = True


def free_variables(node: gast.FunctionDef, enclosing: set) -> tuple[str, ...]:
    """Names `node` reads that are variables of the enclosing function."""
    bound = {a.id for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs}
    loads, stores = [], set()
    for sub in gast.walk(node):
        if isinstance(sub, gast.Name):
            if isinstance(sub.ctx, gast.Load) and sub.id not in loads:
                loads.append(sub.id)
            elif isinstance(sub.ctx, gast.Store):
                stores.add(sub.id)
    return tuple(sorted(n for n in loads if n in enclosing and n not in bound | stores))


def bind(callee_tree: gast.FunctionDef, args, keywords) -> list[tuple[str, object]] | None:
    """(parameter, argument node) pairs for a call, or None if it does not fit."""
    a = callee_tree.args
    positional = [p.id for p in a.posonlyargs + a.args]
    if a.vararg is not None or a.kwarg is not None or len(args) > len(positional):
        return None
    bound = list(zip(positional, args))
    names = set(positional[len(args):]) | {p.id for p in a.kwonlyargs}
    for kw in keywords:
        if kw.arg not in names:
            return None
        names.discard(kw.arg)
        bound.append((kw.arg, kw.value))
    return bound


def bind_signature(fn, args, keywords) -> list[tuple[str, object]] | None:
    """`bind` for a function object, from its signature (no source needed)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    kinds = inspect.Parameter
    if any(p.kind in (kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD)
           for p in sig.parameters.values()):
        return None
    try:
        sig.bind(*args, **{kw.arg: kw.value for kw in keywords if kw.arg})
    except TypeError:
        return None
    positional = [n for n, p in sig.parameters.items() if p.kind != kinds.KEYWORD_ONLY]
    return list(zip(positional, args)) + [(kw.arg, kw.value) for kw in keywords]
