"""The compiler, one line per pass. Every stage's text is kept in `ctx.stages`.

    source -> parse -> fence -> normalize -> activity -> tbr -> reverse -> optimize -> emit
    (the version for Python numbers, after optimize: -> recompute -> fuse)
    source -> parse -> fence -> normalize -> activity -> forward -> optimize -> emit
    source -> parse -> fence -> normalize -> batching facts -> batching transform -> emit
"""
from __future__ import annotations

import gast

from .analysis import activity, hidden_writes, zero_dim
from .frontend.normalize import statements
from .reverse import again, containers
from .codegen import emit, ir
from .frontend import fence, jumps
from .forward import tangents as forward
from .optimize import fuse, recompute
from . import cells, optimize
from . import runtime as rt
from .context import Context
from .errors import WrtError
from .codegen.marks import Made
from .codegen.naming import Namer
from .frontend.parse import parse
from .analysis.primitives import resolve
from .reverse.assemble import params, scalar_fast_path, sweep
from .reverse.pairs import residuals, split
from .analysis.callees import Program
from .reverse.sweeps import Reverse
from .rules import lookup

# helpers of the version that is not differentiated again: writes into an adjoint
# hidden in a call, and loop products batched into one (rules have none of them)
IN_PLACE = (rt.add_at, rt.matmul_ga_sum, rt.matmul_gb_sum)
STAGES = ("parse", "lower", "normalize", "activity", "tbr", "reverse", "optimize")
FORWARD_STAGES = ("parse", "lower", "normalize", "activity", "forward", "optimize")


def front_end(source, ctx=None, taken=()):
    """fence -> lower jumps -> normalize: (normal form, namer, its local names).
    Records the stages in `ctx` when given (callees compile without one)."""
    if ctx is not None:  # stage texts are made again, only when someone reads them
        for stage in ("parse", "lower", "normalize"):
            ctx.stages.later(stage, lambda stage=stage: _early_stage(source.fn, stage))
    fence.check(source)
    namer = Namer(statements.local_names(source.tree) | _code_names(source) | set(taken))
    jumps.lower(source, namer)
    normal = statements.normalize(source, namer)
    return normal, namer, statements.local_names(normal)


def _early_stage(fn, stage: str) -> str:
    """The text of an early stage, by running the (deterministic) passes again."""
    source = parse(fn)
    if stage == "parse":
        return ir.unparse(source.tree)
    jumps.lower(source, Namer(statements.local_names(source.tree) | _code_names(source)))
    if stage == "lower":
        return ir.unparse(source.tree)
    return ir.unparse(front_end(parse(fn))[0])


def compile_reverse(fn, wrt, *, optimize_: bool = True, value: bool = False,
                    batch: bool = True):
    """Compile the adjoint of `fn`; return (generated function, Context, Module).
    `batch=False` is the version differentiated again: loop products stay unbatched and
    no adjoint is scattered into in place (`rt.add_at`)."""
    source = parse(fn)
    ctx = Context(source, resolve_wrt(source, wrt), optimize_,
                  wrt_tuple=isinstance(wrt, (tuple, list)))
    normal, namer, locals_ = front_end(source, ctx)
    _generated_code(source, normal)
    act = activity.analyze(normal, source, ctx.wrt, locals_)
    ctx.stages["activity"] = act.dump()
    hidden_writes.check(source, act.varied, normal.body)
    rev = Reverse(source, act, namer, locals_)
    rev.prune_zeros = optimize_  # (unoptimized, a dead zero stays and reads its value)
    rev.program = program = Program(taken=set(namer.taken), compile_split=compile_callee,
                                    compile_primal=compile_primal, in_place=batch)
    body = rev.instrument(normal.body)
    rev.find_indexed(body, act.result)
    containers.plan(rev, body, params(source.tree))  # mutations, containers
    gen = sweep(rev, body, zero_dim.analyze(body, source, locals_, tapes=rev.tapes), ctx,
                value)
    ctx.stages["tbr"] = rev.saves.dump()
    fns = [(f, source) for f in scalar_fast_path(rev, body, gen, ctx, value, locals_)]
    made = Made(seed=rev.seed_name, stack=rev.stack)  # (both versions: one seed, one stack)
    program.made.update({f.name: made for f, _ in fns})
    if len(fns) > 1:  # the first is the version for Python numbers
        program.made[fns[0][0].name] = Made(seed=rev.seed_name, stack=rev.stack,
                                            numbers=True)
    if optimize_:  # the unoptimised module, compiled again only if someone reads it
        ctx.stages.later("reverse", lambda: compile_reverse(
            fn, wrt, optimize_=False, value=value, batch=batch)[2].text)
    else:
        ctx.stages["reverse"] = emit.module(fns + program.functions, source,
                                            _doc(source, ctx), made=program.made).text
    if optimize_:
        shared = len(fns) > 1  # the fast path shares statements with its fallback
        pure = lambda call: _pure(call, source)  # noqa: E731
        fns = [(optimize.run(f, pure, batch, copy=shared, made=program.made[f.name]), s)
               for f, s in fns]
        if shared and batch:  # the version for numbers: loops re-run, temporaries fused
            fast = program.made[fns[0][0].name]
            fns[0] = (fuse.run(recompute.run(fns[0][0], pure, fast), pure,
                               _user_names(source), fast), source)
    fns += program.functions  # the callees' forward/backward pairs (already optimized)
    ctx.in_place = any(isinstance(n, gast.Call) and any(ir.helper(n) is h for h in IN_PLACE)
                       for f, _ in fns for n in ir.nodes(f))
    mod = emit.module(fns, source, _doc(source, ctx), "" if optimize_ else " (unoptimized)",
                      program.made)
    ctx.stages["optimize"] = mod.text
    return emit.load(mod), ctx, mod


def compile_callee(callee, program) -> None:
    """The forward/backward pair of a function called by the one differentiated."""
    source = callee.source
    normal, namer, locals_ = front_end(source, taken=program.taken)
    _generated_code(source, normal)
    act = activity.analyze(normal, source, callee.wrt, locals_)
    hidden_writes.check(source, act.varied, normal.body)
    hidden_writes.check_parameters(source, normal.body, params(source.tree))
    rev = Reverse(source, act, namer, locals_)
    rev.program = program
    body = rev.instrument(normal.body)
    rev.find_indexed(body, act.result)
    containers.plan(rev, body, params(source.tree))
    callee.number_result = normal.body[-1].value.id in zero_dim.analyze(
        body, source, locals_, assumed=_number_parameters(source.tree), tapes=rev.tapes)
    fwd, bwd, (tape, result) = split(rev, source, body, callee)
    pure = lambda call: _pure(call, source)  # noqa: E731
    program.made[callee.fwd] = Made(stack=rev.stack)
    program.made[callee.bwd] = Made(stack=rev.stack, backward=True)
    bwd = optimize.run(bwd, pure, program.in_place, made=program.made[callee.bwd])
    fwd, bwd = residuals(fwd, bwd, tape, result, rev.stack)
    fwd = optimize.run(fwd, pure, made=program.made[callee.fwd])
    program.taken |= namer.taken
    program.functions += [(fwd, source), (bwd, source)]


def _generated_code(source, normal) -> None:
    """A gradient differentiated again: its dict restores become writes, and the stack
    its tape brings is copied before it pops it (containers.py)."""
    if source.generated:
        again.lower_restores(normal.body)
        again.copy_taken_stacks(normal.body, params(source.tree))


def compile_primal(source, name, program) -> None:
    """A function nothing differentiates, as `name`: its normal form, calling its own
    nested functions through their primal copies, and copying on entry a parameter it
    writes into (the caller's object is never changed)."""
    normal, namer, locals_ = front_end(source, taken=program.taken)
    _generated_code(source, normal)
    act = activity.analyze(normal, source, (), locals_)
    rev = Reverse(source, act, namer, locals_)
    rev.program = program
    body = rev.instrument(normal.body)
    containers.plan(rev, body, params(source.tree))
    fn = gast.FunctionDef(name=name, args=source.tree.args,
                          body=containers.prologue(rev) + body, decorator_list=[],
                          returns=None, type_comment=None, type_params=[])
    program.taken |= namer.taken
    fn = optimize.run(gast.copy_location(fn, source.tree), lambda call: _pure(call, source))
    program.functions.append((fn, source))


def _user_names(source) -> set:
    """The names the user's function mentions, and their adjoints' names."""
    names = {n.id for n in ir.nodes(source.tree) if isinstance(n, gast.Name)}
    return names | {"b" + n for n in names}


def _code_names(source) -> set:
    code = getattr(source.fn, "__code__", None)
    return set(code.co_names) if code is not None else set()


def compile_forward(fn, wrt, *, optimize_: bool = True):
    """Compile the forward mode (JVP) of `fn`; return (generated function, Context, Module).

    The function takes `fn`'s arguments plus a tangent `d<p>` for each `wrt` parameter
    (keyword-only when `fn` has defaults, so a tangent never fills an optional
    parameter) and returns `(value, directional derivative)`."""
    source = parse(fn)
    ctx = Context(source, resolve_wrt(source, wrt), optimize_, mode="forward",
                  wrt_tuple=isinstance(wrt, (tuple, list)))
    normal, namer, locals_ = front_end(source, ctx)
    act = forward.analyze(normal, source, ctx.wrt, locals_)
    hidden_writes.check(source, act.varied, normal.body, hidden_writes.FORWARD)
    ctx.stages["activity"] = act.dump()
    fwd = forward.Forward(source, act, namer, locals_)
    name = jvp_name(source.name, ctx.wrt)  # reserved: a recursive call's jvp is another
    fwd.program = program = Program(taken=set(namer.taken) | {name},
                                    compile_jvp=compile_callee_jvp,
                                    compile_primal=compile_primal)
    gen = fwd.function(normal, ctx.wrt, name)
    ctx.tangents = tuple(fwd.tangent(p) for p in ctx.wrt)
    ctx.array_tangents = _read_as_arrays(normal.body, ctx.wrt, source, locals_)
    doc = _forward_doc(source, ctx)
    ctx.stages["forward"] = emit.module([gen] + program.functions, source, doc).text
    if optimize_:
        gen = optimize.run(gen, lambda call: _pure(call, source))
    fns = [(gen, source)] + program.functions
    ctx.stages["optimize"] = emit.module(fns, source, doc).text
    mod = emit.module(fns, source, doc, "" if optimize_ else " (unoptimized)")
    return emit.load(mod), ctx, mod


def compile_batched(fn, params: dict, fallback=None):
    """Compile the batched version of `fn` (vmap) for the facts of its parameters;
    return (generated function, Context, Module, the result's fact)."""
    from .batching import analysis as batch_facts, transform as batch_transform, program
    source = parse(fn)
    ctx = Context(source, (), mode="vmap")
    normal, namer, locals_ = front_end(source, ctx)
    lines = program.user_lines(fn)  # (a gradient: comments at the user's lines)
    source = program.with_runtime(program.at_user_lines(source, normal, lines), locals_)
    prog = program.Program(compile=program.compile_callee, fallback=fallback,
                           taken=set(namer.taken), lines=lines)
    params = program.bind(source, params)
    facts = batch_facts.analyze(normal, source, params, locals_, prog)
    ctx.stages["batching"] = facts.dump()
    name = prog.fresh(f"{source.name}_batched")
    gen = batch_transform.Transform(source, facts, namer, locals_, params,
                                    fallback).function(normal, name)
    gen = batch_transform.tidy(gen, source)
    prog.made[gen.name] = emit.made_of(source.fn)  # (a gradient's seed, batched)
    mod = emit.module([(gen, source)] + prog.functions, source, program.doc(source),
                      made=prog.made)
    ctx.stages["batched"] = mod.text
    return emit.load(mod), ctx, mod, facts.result


def _read_as_arrays(body, wrt, source, locals_) -> set:
    """`wrt` parameters a NumPy function reads as arrays (`np.add(xs, ys)`) and nothing
    writes into: a list tangent given for one is read as an array too (added
    element by element, not joined)."""
    from .analysis.primitives import classify
    written = {containers.mutated(s) for s in ir.statements(body)} | \
        {containers.appended(s)[0] for s in ir.statements(body) if containers.appended(s)}
    return containers.read_by_numpy(body, wrt, lambda s: classify(s.value, source, locals_)) \
        - written


def _number_parameters(fn) -> list:
    """Parameters a call's arguments decide: those without a default, or with a
    number as default (an array default would make an array whatever is passed)."""
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults = dict(zip([p.id for p in positional][len(positional) - len(a.defaults):],
                        a.defaults))
    defaults.update({p.id: d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
    return [p.id for p in positional + a.kwonlyargs if p.id not in defaults
            or isinstance(defaults[p.id], gast.Constant)
            and type(defaults[p.id].value) in (int, float)]


def compile_callee_jvp(source, wrt, name, tangents, program) -> None:
    """Forward mode of a function called by the one differentiated."""
    normal, namer, locals_ = front_end(source, taken=program.taken)
    act = forward.analyze(normal, source, wrt, locals_)
    hidden_writes.check(source, act.varied, normal.body, hidden_writes.FORWARD)
    hidden_writes.check_parameters(source, normal.body, params(source.tree))
    fwd = forward.Forward(source, act, namer, locals_)
    fwd.program = program
    fwd.tan.update(tangents)
    namer.taken |= set(tangents.values())
    gen = fwd.function(normal, wrt, name, keyword_tangents=True)
    program.taken |= namer.taken
    program.functions.append((optimize.run(gen, lambda call: _pure(call, source)), source))


def jvp_name(name: str, wrt) -> str:
    base = "lambda" if name == "<lambda>" else name
    return f"jvp_{base}_d{'_'.join(wrt)}"


def _forward_doc(source, ctx) -> str:
    return (f"Forward mode (JVP) of {source.name} ({cells.short(source.filename)}, "
            f"line {source.where().lineno}) with respect to {', '.join(ctx.wrt)}.")


def resolve_wrt(source, wrt) -> tuple[str, ...]:
    fence.check_signature(source)
    names = [p.id for p in source.tree.args.posonlyargs + source.tree.args.args] + \
        [p.id for p in source.tree.args.kwonlyargs]
    items = list(wrt) if isinstance(wrt, (tuple, list)) else [wrt]
    if not items:
        raise WrtError("wrt is empty", source.where(),
                       hint=f"name at least one of the parameters: {', '.join(names)}")
    out = []
    for item in items:
        wrt_item = item
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
        if item == "self" and names[0] == "self" and "." in source.fn.__qualname__ \
                and not isinstance(wrt_item, str):  # wrt="self" (by name): its attributes
            others = ", ".join(names[1:]) or "none"
            raise WrtError(f"wrt={wrt_item} selects self, the object "
                           f"{source.fn.__qualname__} is called on", source.where(),
                           hint=f"differentiate the bound method (adjoint.grad(obj."
                                f"{source.name})) or name a parameter: {others}; for the "
                                "gradient of the object's attributes, say wrt='self'")
        out.append(item)
    return tuple(out)


def _doc(source, ctx) -> str:
    return (f"Gradient of {source.name} ({cells.short(source.filename)}, line "
            f"{source.where().lineno}) with respect to {', '.join(ctx.wrt)}.")


def _pure(call, source) -> bool:
    fn = resolve(call.func, source.namespace)
    return fn is not None and lookup(fn) is not None
