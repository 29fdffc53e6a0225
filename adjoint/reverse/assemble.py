"""Building the generated functions from the two sweeps of the reverse pass.

`sweep` records (TBR) and assembles one gradient function; `scalar_fast_path`
adds the version for Python numbers (pairs.py splits a function called by the one
being differentiated into a forward and a backward function).
"""
from __future__ import annotations

import os

import gast

from . import containers
from .. import runtime as rt
from ..codegen import ir
from ..analysis import zero_dim, recording
from .adjoint_state import State
from ..context import Context
from .sweeps import Reverse


def params(tree) -> list[str]:
    a = tree.args
    return [p.id for p in a.posonlyargs + a.args + a.kwonlyargs]


def grad_name(name: str, wrt) -> str:
    base = "lambda" if name == "<lambda>" else name
    return f"d{base}_d{'_'.join(wrt)}"


def sweep(rev: Reverse, body, scalar, ctx, value, numbers=()) -> gast.FunctionDef:
    """Record (TBR) and assemble both sweeps, given the variables proven 0-d (and the
    parameters checked on entry to be Python numbers, in the version for numbers)."""
    rev.scalar, rev.numbers = scalar, frozenset(numbers)
    return _until_zeros_recorded(rev, body, lambda: assemble(rev, rev.source, body, ctx,
                                                             value))


def _until_zeros_recorded(rev, body, build):
    """`build()` after TBR, again if its adjoint sweep made zeros shaped like values
    TBR did not yet know it reads (Reverse.zeros) and that changes what is saved (most
    zeros read parameters or values never overwritten: then the first build stands).
    Which adjoints are zeroed where does not depend on what is saved, so twice at most.
    A zero nothing reads (dead code, removed by the optimizer) reads nothing."""
    rev.zero_reads, names = {}, {}
    rev.saves = record(rev, body, rev.source, rev.namer, names)
    while True:
        rev.zeroed, rev.zeros_made = set(), []
        built, shapes = build(), rev.shape_only
        if not _new_zero_reads(rev, built):
            return built
        saves = record(rev, body, rev.source, rev.namer, names)
        same = saves.dump() == rev.saves.dump() and rev.shape_only == shapes
        rev.saves = saves
        if same:  # (TBR reads the zeros' values where they already were as needed)
            return built


def _new_zero_reads(rev, built) -> bool:
    """Add to rev.zero_reads the values the zeros `built` holds read; whether any is new."""
    dead = set()
    if rev.prune_zeros and rev.zeros_made:
        from ..optimize.dead_code import eliminate
        found = []
        for fn in built if isinstance(built, tuple) else (built,):
            eliminate(fn.body, set(), lambda call: False, apply=False, removed=found)
        dead = {id(s) for s in found}
    new = False
    for zero, at, v in rev.zeros_made:
        if id(zero) not in dead and v not in rev.zero_reads.get(at, ()):
            rev.zero_reads.setdefault(at, set()).add(v)
            new = True
    return new


def scalar_fast_path(rev, body, gen, ctx, value, locals_) -> list:
    """For functions of numbers only: a version without any `rt.unbroadcast`, used
    when every argument is a Python number (checked on entry); `gen` is renamed
    `<name>_arrays` and kept for everything else. Returns the module's functions."""
    found = _numbers_version(rev, body, locals_, gen)
    if found is None:
        return [gen]
    numbers, vectors, assumed = found
    fast = sweep(rev, body, assumed, ctx, value, numbers)
    if _calls(fast, rt.unbroadcast):
        return [gen]
    fast.name, gen.name = gen.name, gen.name + "_arrays"
    a = rev.source.tree.args
    test = _numbers_test(numbers, vectors, negate=True)
    out = _grad_out_name(rev)
    call = f"{gen.name}({', '.join(p.id for p in a.posonlyargs + a.args)}" + \
        "".join(f", {p.id}={p.id}" for p in a.kwonlyargs) + f", {out}={out})"
    guard = gast.parse(f"if {test}:\n    return {call}\n").body[0]
    fast.body.insert(0, guard)
    return [fast, gen]


def _numbers_version(rev, body, locals_, general):
    """(numbers, vectors, names then proven 0-d) when every differentiated value is a
    number given parameters that are numbers, and vectors (data read one element at
    a time, `cases[day]`); None when that cannot be shown or changes nothing."""
    names = params(rev.source.tree)
    active = rev.activity.varied & rev.activity.useful
    data = zero_dim.only_indexed(body, set(names) & _subscripted(body), rev.source)
    vectors = [p for p in names if p in data]
    numbers = [p for p in names if p not in vectors]
    assumed = zero_dim.analyze(body, rev.source, locals_, assumed=numbers, vectors=vectors,
                              tapes=rev.tapes)
    others = active - _packs(body) - set(vectors)  # (tuples of numbers and vectors
    # need no unbroadcast: their adjoints are built item by item)
    if not (numbers or vectors) or not _calls(general, rt.unbroadcast) \
            or not others <= assumed:
        return None
    return numbers, vectors, assumed


def _packs(body) -> set:
    """Names every assignment of which is a tuple or list literal (a callee's result)."""
    packs, other = set(), set()
    for stmt in ir.statements(body):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            literal = isinstance(stmt.value, (gast.Tuple, gast.List))
            (packs if literal else other).add(stmt.targets[0].id)
    return packs - other


def _numbers_test(numbers, vectors, negate=False) -> str:
    """The check that the parameters are numbers (and vectors), or that they are not."""
    no = "not " if negate else ""
    join = " or " if negate else " and "
    tests = [join.join(f"type({p}) {no}in rt.NUMBERS" for p in numbers)
             if len(numbers) <= 2 else  # (one or two: cheaper than a call)
             f"{no}rt.numbers({', '.join(numbers)})"] if numbers else []
    if vectors:  # data read one element at a time (cases[day]): 1-D, checked too
        tests.append(f"{no}rt.vectors({', '.join(vectors)})")
    return (" or " if negate else " and ").join(tests)


def _calls(fn, helper) -> bool:
    """Whether `fn` calls the runtime function `helper` (by identity)."""
    return any(isinstance(n, gast.Call) and ir.helper(n) is helper for n in ir.nodes(fn))


def record(rev: Reverse, body, source, namer, names=None) -> recording.Saves:
    """TBR to a fixpoint: replaying a branch or loop that holds saves reads its test.
    `names` keeps the saved copies' names (shared by repeated recordings)."""
    saves, names = None, {} if names is None else names
    while True:
        reads, rev.own = rev.reads(body, saves)
        new = recording.analyze(body, params(source.tree), reads, rev.own, namer, rev.steps,
                                names, rev.zero_reads)
        if saves is not None and new.dump() == saves.dump():
            return new
        saves = new


def assemble(rev: Reverse, source, body, ctx: Context, value: bool) -> gast.FunctionDef:
    """def d<f>_d<x>(params, *, grad_out=None): inits; forward; seed; adjoint; return."""
    result = body[-1].value.id
    forward = containers.prologue(rev) + rev.forward(body)
    where = f"{os.path.basename(source.filename)}:{source.where().lineno}"
    out = []
    out_name = _grad_out_name(rev)
    rev.final = rev.seed_name = None
    if rev.activity.active(result):
        bres = rev.seed_name = rev.adjoint(result)  # (the seed, as the marks name it)
        if result in rev.scalar:  # a proven number: nothing to check, 1.0 by default
            seed = gast.parse(f"1.0 if {out_name} is None else {out_name}",
                              mode="eval").body
        else:
            seed = ir.call("rt.seed", ir.name(result), ir.name(out_name), ir.const(where),
                           *([ir.const(out_name)] if out_name != "grad_out" else []))
        out.append(gast.copy_location(ir.assign(bres, seed), body[-1]))
        value_name = result
        if any(_target(s) == result for s in list(rev.saves.named) + rev.saves.stacked):
            value_name = rev.namer.fresh("value")
            forward.append(ir.assign(value_name, ir.name(result), body[-1]))
        state = State({bres})
        out += rev.backward(body, state)
        rev.final = state.defined  # (an adjoint a rebinding consumed is not a gradient)
    else:
        value_name = result
    inits = _inits(rev)  # (after the adjoint sweep: it may add values to set first)
    grads = _gradients(rev, out, ctx.wrt, body=body)
    ret = grads[0] if len(grads) == 1 and not _many(ctx) else \
        gast.Tuple(elts=grads, ctx=gast.Load())
    if value:
        ret = gast.Tuple(elts=[ir.name(value_name), ret], ctx=gast.Load())
    inits += _entry_copies(rev, ctx.wrt)
    stmts = inits + forward + out + [gast.copy_location(gast.Return(value=ret), body[-1])]
    args = _with_grad_out(source.tree.args, out_name)
    name = ("value_and_" if value else "") + grad_name(source.name, ctx.wrt)
    fn = gast.FunctionDef(name=name, args=args, body=stmts, decorator_list=[],
                          returns=None, type_comment=None, type_params=[])
    return gast.copy_location(fn, source.tree)


def _subscripted(body) -> set:
    """Names read by index anywhere in the body (in normal form, `y = x[i]`)."""
    return {s.value.value.id for s in ir.statements(body) if isinstance(s, gast.Assign)
            and isinstance(s.value, gast.Subscript) and isinstance(s.value.value, gast.Name)}


def _many(ctx) -> bool:
    return ctx.wrt_tuple


def _target(stmt):
    return stmt.target.id if isinstance(stmt, gast.For) else stmt.targets[0].id


def _grad_out_name(rev) -> str:
    """`grad_out`, or `grad_out2` when differentiating a gradient (which has one);
    chosen once, so the scalar fast path and its fallback take the same keyword."""
    if getattr(rev, "out_name", None) is None:
        rev.out_name = "grad_out" if "grad_out" not in params(rev.source.tree) \
            else rev.namer.fresh("grad_out")
    return rev.out_name


def _with_grad_out(args, out_name="grad_out"):
    new = gast.arguments(args=list(args.args), posonlyargs=list(args.posonlyargs),
                         vararg=None, kwonlyargs=list(args.kwonlyargs) +
                         [ir.name(out_name, False)], kw_defaults=list(args.kw_defaults) +
                         [ir.const(None)], kwarg=None, defaults=list(args.defaults))
    new.kwonlyargs[-1].ctx = gast.Param()
    return new


def _entry_copies(rev, wrt) -> list:
    """`x_in = x` for each rebound parameter whose gradient is fitted to it."""
    return [ir.assign(rev.entry_names[p], ir.name(p)) for p in sorted(rev.entry_names)
            if p in wrt]


def _rebound(rev, body) -> set:
    """The parameters the body assigns (a helper's backward function would test their
    last values, not the ones the call began with; a gradient is fitted to the first)."""
    bound = set()
    for s in ir.statements(body):  # (the targets only: no walk through expressions)
        if isinstance(s, gast.Assign):
            bound |= ir.stored_names(s.targets)
        elif isinstance(s, gast.For):
            bound |= ir.stored_names(s.target)
    return set(params(rev.source.tree)) & bound


def _inits(rev) -> list:
    inits = [ir.assign(v, ir.const(None)) for v in rev.saves.undefined]
    if rev.saves.stacked or containers.uses_stack(rev):  # one stack, methods bound once
        stack, push, pop = rev.stack
        inits.append(ir.assign(stack, gast.List(elts=[], ctx=gast.Load())))
        inits.append(ir.assign(push, gast.parse(f"{stack}.append", mode="eval").body))
        inits.append(ir.assign(pop, gast.parse(f"{stack}.pop", mode="eval").body))
    return inits


def _gradients(rev, back, wrt, inner=False, body=()) -> list:
    """The returned gradients; `inner`: a callee's, which its caller adds to others
    (containers stay adjoints that add item by item)."""
    grads = []
    assigned = ir.stored_names(back)
    if rev.final is not None:  # `p = [a, 2 * a]` rebinds a parameter: the old p's
        assigned &= rev.final  # adjoint is gone (bp is the new p's), its gradient zero
    fit = "rt.fit_inner" if inner else "rt.fit"
    # a parameter passed to a callee may be a container whose adjoint comes back as a
    # GradList/GradDict: the caller of the gradient gets a plain one
    passed = set() if inner else {v for _, _, active in rev.calls.values()
                                  for _, v in active} \
        | containers.read_by_numpy(body, params(rev.source.tree), rev.prim) \
        | _subscripted(body)  # (x[i] of a list: its adjoint is a GradList)
    rebound = _rebound(rev, body) if body else set()
    for p in wrt:
        b = rev.adjoint(p)
        like = p
        if p in rebound:  # (one name per parameter, shared by the versions of the function)
            if p not in rev.entry_names:
                rev.entry_names[p] = rev.namer.fresh(p + "_in")
            like = rev.entry_names[p]
        # (a rebound parameter's gradient has the shape and kind it began with)
        if p in rev.numbers and not inner:  # (checked on entry: a number's is a number)
            grads.append(ir.name(b) if b in assigned else ir.const(0.0))
        elif b not in assigned:
            grads.append(ir.call(fit, ir.const(0.0), ir.name(like)))  # (of its kind)
        elif p in rebound or b in rev.zeroed or p in rev.shaped or p in passed:
            grads.append(ir.call(fit, ir.name(b), ir.name(like)))  # (a plain container)
        else:
            grads.append(ir.name(b))
    return grads
