"""The compiler, one line per pass. Every stage's text is kept in `ctx.stages`.

    source -> parse -> fence -> normalize -> activity -> tbr -> reverse -> optimize -> emit
    source -> parse -> fence -> normalize -> activity -> forward -> optimize -> emit
"""
from __future__ import annotations

import os

import gast

from . import activity, anf, containers, emit, fence, forward, ir, jumps, optimize, scalars, tbr
from .context import Context
from .errors import WrtError
from .naming import Namer
from .parse import parse
from .primitives import resolve
from .adjoints import State
from .reverse import Reverse
from .rules import lookup

STAGES = ("parse", "lower", "normalize", "activity", "tbr", "reverse", "optimize")
FORWARD_STAGES = ("parse", "lower", "normalize", "activity", "forward", "optimize")


def compile_reverse(fn, wrt, *, optimize_: bool = True, value: bool = False):
    """Compile the adjoint of `fn`; return (generated function, Context, Module)."""
    source = parse(fn)
    ctx = Context(source, (), optimize_)
    ctx.stages["parse"] = ir.unparse(source.tree)
    fence.check(source)
    ctx.wrt = resolve_wrt(source, wrt)
    ctx.wrt_tuple = isinstance(wrt, (tuple, list))
    locals_ = anf.local_names(source.tree)
    namer = Namer(locals_ | set(source.fn.__code__.co_names))
    jumps.lower(source, namer)
    ctx.stages["lower"] = ir.unparse(source.tree)
    normal = anf.normalize(source, namer)
    ctx.stages["normalize"] = ir.unparse(normal)
    locals_ = anf.local_names(normal)
    forward.check_reverse(normal, source, ctx.wrt, locals_)  # stacks: forward mode only
    act = activity.analyze(normal, source, ctx.wrt, locals_)
    ctx.stages["activity"] = act.dump()
    rev = Reverse(source, act, namer, locals_)
    body = rev.instrument(normal.body)
    rev.find_indexed(body, act.result)
    containers.plan(rev, body, params(source.tree))  # mutations, containers
    gen = sweep(rev, body, scalars.analyze(body, source, locals_), ctx, value)
    ctx.stages["tbr"] = rev.saves.dump()
    fns = scalar_fast_path(rev, body, gen, ctx, value, locals_)
    ctx.stages["reverse"] = emit.module(fns, source, _doc(source, ctx)).text
    if optimize_:
        fns = [optimize.run(f, lambda call: _pure(call, source)) for f in fns]
    ctx.stages["optimize"] = emit.module(fns, source, _doc(source, ctx)).text
    mod = emit.module(fns, source, _doc(source, ctx), "" if optimize_ else " (unoptimized)")
    return emit.load(mod), ctx, mod


def sweep(rev: Reverse, body, scalar, ctx, value) -> gast.FunctionDef:
    """Record (TBR) and assemble both sweeps, given the variables proven 0-d."""
    rev.scalar, rev.zeroed = scalar, set()
    rev.saves = record(rev, body, rev.source, rev.namer)
    return assemble(rev, rev.source, body, ctx, value)


def scalar_fast_path(rev, body, gen, ctx, value, locals_) -> list:
    """For functions of numbers only: a version without any `rt.unbroadcast`, used
    when every argument is a Python number (checked on entry); `gen` is renamed
    `<name>_arrays` and kept for everything else. Returns the module's functions."""
    names = params(rev.source.tree)
    assumed = scalars.analyze(body, rev.source, locals_, assumed=names)
    active = rev.activity.varied & rev.activity.useful
    if not names or not _calls(gen, "rt.unbroadcast") or not active <= assumed:
        return [gen]
    fast = sweep(rev, body, assumed, ctx, value)
    if _calls(fast, "rt.unbroadcast"):
        return [gen]
    fast.name, gen.name = gen.name, gen.name + "_arrays"
    a = rev.source.tree.args
    test = f"type({names[0]}) not in rt.NUMBERS" if len(names) == 1 else \
        f"not rt.numbers({', '.join(names)})"
    call = f"{gen.name}({', '.join(p.id for p in a.posonlyargs + a.args)}" + \
        "".join(f", {p.id}={p.id}" for p in a.kwonlyargs) + ", grad_out=grad_out)"
    guard = gast.parse(f"if {test}:\n    return {call}\n").body[0]
    fast.body.insert(0, guard)
    return [fast, gen]


def _calls(fn, name: str) -> bool:
    return any(isinstance(n, gast.Call) and ir.unparse(n.func) == name for n in gast.walk(fn))


def record(rev: Reverse, body, source, namer) -> tbr.Saves:
    """TBR to a fixpoint: replaying a branch or loop that holds saves reads its test."""
    saves, names = None, {}
    while True:
        reads, rev.own = rev.reads(body, saves)
        new = tbr.analyze(body, params(source.tree), reads, rev.own, namer, rev.steps,
                          names)
        if saves is not None and new.dump() == saves.dump():
            return new
        saves = new


def compile_forward(fn, wrt, *, optimize_: bool = True):
    """Compile the forward mode (JVP) of `fn`; return (generated function, Context, Module).

    The function takes `fn`'s arguments plus a tangent `d<p>` for each `wrt` parameter
    and returns `(value, directional derivative)`."""
    source = parse(fn)
    ctx = Context(source, (), optimize_, mode="forward")
    ctx.stages["parse"] = ir.unparse(source.tree)
    fence.check(source)
    ctx.wrt = resolve_wrt(source, wrt)
    ctx.wrt_tuple = isinstance(wrt, (tuple, list))
    locals_ = anf.local_names(source.tree)
    namer = Namer(locals_ | set(source.fn.__code__.co_names))
    jumps.lower(source, namer)
    ctx.stages["lower"] = ir.unparse(source.tree)
    normal = anf.normalize(source, namer)
    ctx.stages["normalize"] = ir.unparse(normal)
    locals_ = anf.local_names(normal)
    act = forward.analyze(normal, source, ctx.wrt, locals_)
    ctx.stages["activity"] = act.dump()
    fwd = forward.Forward(source, act, namer, locals_)
    gen = fwd.function(normal, ctx.wrt, jvp_name(source.name, ctx.wrt))
    doc = _forward_doc(source, ctx)
    ctx.stages["forward"] = emit.module(gen, source, doc).text
    if optimize_:
        gen = optimize.run(gen, lambda call: _pure(call, source))
    ctx.stages["optimize"] = emit.module(gen, source, doc).text
    mod = emit.module(gen, source, doc, "" if optimize_ else " (unoptimized)")
    return emit.load(mod), ctx, mod


def jvp_name(name: str, wrt) -> str:
    base = "lambda" if name == "<lambda>" else name
    return f"jvp_{base}_d{'_'.join(wrt)}"


def _forward_doc(source, ctx) -> str:
    return (f"Forward mode (JVP) of {source.name} ({os.path.basename(source.filename)}, "
            f"line {source.where().lineno}) with respect to {', '.join(ctx.wrt)}.")


def assemble(rev: Reverse, source, body, ctx: Context, value: bool) -> gast.FunctionDef:
    """def d<f>_d<x>(params, *, grad_out=None): inits; forward; seed; adjoint; return."""
    result = body[-1].value.id
    forward = containers.prologue(rev) + rev.forward(body)
    inits = [ir.assign(v, ir.const(None)) for v in rev.saves.undefined]
    if rev.saves.stacked or containers.uses_stack(rev):  # one stack; its methods bound once (cheaper in loops)
        inits.append(ir.assign("_stack", gast.List(elts=[], ctx=gast.Load())))
        inits.append(ir.assign("_push", gast.parse("_stack.append", mode="eval").body))
        inits.append(ir.assign("_pop", gast.parse("_stack.pop", mode="eval").body))
    where = f"{os.path.basename(source.filename)}:{source.where().lineno}"
    out = []
    grads = []
    out_name = _grad_out_name(source, rev.namer)
    if rev.activity.active(result):
        bres = rev.adjoint(result)
        if result in rev.scalar:  # a proven number: nothing to check, 1.0 by default
            seed = gast.parse(f"1.0 if {out_name} is None else {out_name}",
                              mode="eval").body
        else:
            seed = ir.call("rt.seed", ir.name(result), ir.name(out_name), ir.const(where))
        out.append(gast.copy_location(ir.assign(bres, seed), body[-1]))
        value_name = result
        if any(_target(s) == result for s in list(rev.saves.named) + rev.saves.stacked):
            value_name = rev.namer.fresh("value")
            forward.append(ir.assign(value_name, ir.name(result), body[-1]))
        out += rev.backward(body, State({bres}))
    else:
        value_name = result
    for p in ctx.wrt:
        b = rev.adjoint(p)
        defined = any(isinstance(s, gast.Assign) and getattr(s.targets[0], "id", "") == b
                      for s in gast.walk(gast.Module(body=out, type_ignores=[])))
        if not defined:
            grads.append(ir.call("rt.zeros_like", ir.name(p)))
        elif b in rev.zeroed or p in rev.shaped:  # shaped: a plain dict/list/tuple
            grads.append(ir.call("rt.fit", ir.name(b), ir.name(p)))
        else:
            grads.append(ir.name(b))
    ret = grads[0] if len(grads) == 1 and not _many(ctx) else \
        gast.Tuple(elts=grads, ctx=gast.Load())
    if value:
        ret = gast.Tuple(elts=[ir.name(value_name), ret], ctx=gast.Load())
    stmts = inits + forward + out + [gast.copy_location(gast.Return(value=ret), body[-1])]
    args = _with_grad_out(source.tree.args, out_name)
    name = ("value_and_" if value else "") + grad_name(source.name, ctx.wrt)
    fn = gast.FunctionDef(name=name, args=args, body=stmts, decorator_list=[],
                          returns=None, type_comment=None, type_params=[])
    return gast.copy_location(fn, source.tree)


def _many(ctx) -> bool:
    return ctx.wrt_tuple


def _target(stmt):
    return stmt.target.id if isinstance(stmt, gast.For) else stmt.targets[0].id


def _grad_out_name(source, namer) -> str:
    """`grad_out`, or `grad_out2` when differentiating a gradient (which has one)."""
    return "grad_out" if "grad_out" not in params(source.tree) else namer.fresh("grad_out")


def _with_grad_out(args, out_name="grad_out"):
    new = gast.arguments(args=list(args.args), posonlyargs=list(args.posonlyargs),
                         vararg=None, kwonlyargs=list(args.kwonlyargs) +
                         [ir.name(out_name, False)], kw_defaults=list(args.kw_defaults) +
                         [ir.const(None)], kwarg=None, defaults=list(args.defaults))
    new.kwonlyargs[-1].ctx = gast.Param()
    return new


def grad_name(name: str, wrt) -> str:
    base = "lambda" if name == "<lambda>" else name
    return f"d{base}_d{'_'.join(wrt)}"


def params(tree) -> list[str]:
    a = tree.args
    return [p.id for p in a.posonlyargs + a.args + a.kwonlyargs]


def resolve_wrt(source, wrt) -> tuple[str, ...]:
    names = [p.id for p in source.tree.args.posonlyargs + source.tree.args.args] + \
        [p.id for p in source.tree.args.kwonlyargs]
    items = list(wrt) if isinstance(wrt, (tuple, list)) else [wrt]
    if not items:
        raise WrtError("wrt is empty", source.where(),
                       hint=f"name at least one of the parameters: {', '.join(names)}")
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise WrtError(f"wrt={item!r} is neither a parameter position nor a name",
                           source.where(), hint=f"use a position or one of: {', '.join(names)}")
        if isinstance(item, int):
            if not -len(names) <= item < len(names):
                raise WrtError(f"wrt={item} is out of range: {source.name} has "
                               f"{len(names)} parameter(s) ({', '.join(names)})",
                               source.where(), hint=f"use 0..{len(names) - 1} or a name")
            item = names[item]
        elif item not in names:
            raise WrtError(f"wrt={item!r} names no parameter of {source.name}",
                           source.where(), hint=f"the parameters are: {', '.join(names)}")
        if item in out:
            raise WrtError(f"wrt names {item!r} twice", source.where(),
                           hint="list each parameter once")
        out.append(item)
    return tuple(out)


def _doc(source, ctx) -> str:
    return (f"Gradient of {source.name} ({os.path.basename(source.filename)}, line "
            f"{source.where().lineno}) with respect to {', '.join(ctx.wrt)}.")


def _pure(call, source) -> bool:
    fn = resolve(call.func, source.namespace)
    return fn is not None and lookup(fn) is not None
