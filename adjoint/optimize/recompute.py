"""Pass 8 (numbers only): a loop's adjoint re-runs each iteration from a checkpoint.

The gradient's version for Python numbers saves, in a loop of the forward sweep,
every value the adjoint reads and the loop overwrites: `_push(sin_x)` before
`sin_x = math.sin(x)`, popped back in the adjoint loop. For numbers, re-running an
iteration costs about what saving it does, and saves nothing but the values the
loop carries from one iteration to the next. So a top-level `for` loop becomes

    for i in range(n):                    for i in reversed(range(n)):
        _push(x)                              _x = _pop()
        <the iteration, no pushes>            <the iteration again, from _x: only what
                                               the adjoint reads, never x itself>
                                              <the adjoint of the iteration>
                                              x = _x

and the values only the adjoint read leave the forward loop (dead code). Applied
only when it is plainly right: the loop body holds assignments of pure
expressions to names and `if`s on names (no inner loops, no calls of the user's
functions), each name is assigned at most once on any path through an iteration,
and the values the iteration reads from outside it are not changed before its
adjoint runs. Anything else keeps its pushes.
"""
from __future__ import annotations

import gast

from ..codegen import ir
from ..analysis import loop_facts as it
from ..codegen.naming import Namer
from .dead_code import eliminate, propagate_copies
from ..codegen.template import names_in


def run(fn: gast.FunctionDef, pure_call, made) -> gast.FunctionDef:
    """Re-run the iterations of `fn`'s top-level loops in its adjoint sweep (in place);
    `made`: the compiler's marks of `fn` (which stack it pushes to)."""
    if made.stack is None:
        return fn
    taken = Namer(names_in(fn) | {fn.name})
    pairs = []
    for loop in [s for s in fn.body if isinstance(s, (gast.For, gast.While))]:
        i = fn.body.index(loop)
        j = _partner(fn.body, i)
        if j is None:
            continue
        back = fn.body[j]
        found = _checkpoint(fn.body, i, j, pure_call, taken, made)
        if found is not None:
            pairs.append((loop, back, found))
    if pairs:
        fn.body, _ = eliminate(propagate_copies(fn.body), set(), pure_call)
        if any([_prune(fwd, back, made) for fwd, back, saves in pairs if saves]):
            fn.body, _ = eliminate(fn.body, set(), pure_call)  # (every pair pruned)
    return fn


def _prune(fwd, back, made) -> bool:
    """Drop from a checkpoint the values no pass of the adjoint loop reads any more
    (what only a statement the last elimination removed read)."""
    push, unpack = fwd.body[0], back.body[0]
    if not _loads_checkpoint(unpack, push, made):  # (a read of [i] nothing used is gone)
        del fwd.body[0]
        fwd.body = fwd.body or [gast.Pass()]
        return True
    names = unpack.targets[0].elts if isinstance(unpack.targets[0], gast.Tuple) \
        else [unpack.targets[0]]
    pushed = push.value.args[0] if isinstance(push, gast.Expr) else push.value
    values = pushed.elts if isinstance(pushed, gast.Tuple) else [pushed]
    read = set().union(*(names_in(s) for s in back.body[1:])) if back.body[1:] else set()
    keep = [k for k, n in enumerate(names) if n.id in read]
    if len(keep) == len(names):
        return False
    if not keep:
        del fwd.body[0], back.body[0]
        fwd.body, back.body = fwd.body or [gast.Pass()], back.body or [gast.Pass()]
        return True
    names, values = [names[k] for k in keep], [values[k] for k in keep]
    unpack.targets[0] = names[0] if len(names) == 1 else gast.Tuple(elts=names,
                                                                    ctx=gast.Store())
    pushed = values[0] if len(values) == 1 else gast.Tuple(elts=values, ctx=gast.Load())
    if isinstance(push, gast.Expr):
        push.value.args[0] = pushed
    else:
        push.value = pushed
    return True


def _loads_checkpoint(stmt, save, made) -> bool:
    """Whether `stmt` is the adjoint loop's `_x = _pop()` or `_x = _checkpoints[i]`."""
    if not isinstance(stmt, gast.Assign):
        return False
    if isinstance(save, gast.Expr):
        return made.is_pop(stmt)
    return isinstance(stmt.value, gast.Subscript) \
        and ir.unparse(stmt.value) == ir.unparse(save.targets[0])


def _partner(body, i):
    """The index of the adjoint loop of the forward loop body[i] (same source place)."""
    loop = body[i]
    same = [j for j, s in enumerate(body) if isinstance(s, (gast.For, gast.While))
            and _place(s) == _place(loop)]
    if len(same) != 2 or same[0] != i or not isinstance(body[same[1]], gast.For):
        return None  # (one pair, no doubt)
    back = body[same[1]]
    if isinstance(loop, gast.For):
        return same[1] if back.target.id == loop.target.id else None
    return same[1] if isinstance(loop.test, gast.Name) else None


def _place(stmt):
    return getattr(stmt, "lineno", None), getattr(stmt, "col_offset", None)


def _checkpoint(body, i, j, pure_call, taken, made):
    """Rewrite the pair body[i] (forward) and body[j] (adjoint) if it qualifies;
    None if not, else whether it saves a checkpoint (the first statement of both)."""
    found = _qualifies(body, i, j, pure_call, made)
    if found is None:
        return None
    carried, counters, between, after = found
    fwd, back = body[i], body[j]
    saved = {v: taken.fresh(f"_{v}") for v in carried}
    plain = _without_pushes(fwd.body, made)
    again = _again([s for s in plain if not it.counting(s, counters)], saved)
    popped = {s.targets[0].id for s in ir.statements(back.body) if made.is_pop(s)}
    adjoint = _restored(back.body, saved, made)  # (in place: the pops above are gone)
    read = set().union(*(names_in(s) for s in again + adjoint)) if again + adjoint else set()
    # restored at the end of each pass: what the original popped, and what the next
    # pass reads as the value after its iteration
    restore = [v for v in carried if v in popped or v in read]
    carried = [v for v in carried if v in restore or saved[v] in read]
    fwd.body = plain
    back.body = again + adjoint + [ir.assign(v, ir.name(saved[v]), back) for v in restore
                                   if v not in it.must(adjoint)]
    _keep_ends(body, i, j, [v for v in restore if v in between],  # rebound after the loop
               [v for v in restore if v not in popped and v in after], taken)
    if carried:
        _save(body, i, back, carried, saved, taken, made)
    return bool(carried)


def _qualifies(body, i, j, pure_call, made):
    """(names the iteration may carry, a while loop's counters, names the code between
    the sweeps writes, names read after the adjoint loop), or None."""
    fwd, back = body[i], body[j]
    if fwd.orelse or back.orelse or not it.forward_ok(fwd.body, pure_call, made) \
            or not it.adjoint_ok(back.body, made) or it.trace(fwd.body, "push", made)[::-1] \
            != it.reverse_of(it.trace(back.body, "pop", made)):
        return None
    assigned = it.assigned(fwd.body)
    target = {fwd.target.id} if isinstance(fwd, gast.For) else set()
    after = set().union(*(names_in(s) for s in body[j + 1:])) if body[j + 1:] else set()
    between = set().union(*(it.writes(s) for s in body[i + 1:j])) if j > i + 1 else set()
    counters = it.counters(fwd, back, after | between)
    if counters is None or target & assigned \
            or any(n > 1 for n in it.most(fwd.body).values()) \
            or (names_in(getattr(fwd, "iter", None)) | names_in(back.iter)) & assigned \
            - counters:
        return None
    outside = it.reads(fwd.body, made) - assigned - target
    if outside & (between | it.writes_all(back.body)):
        return None  # a value the iteration reads from outside changes before its adjoint
    carried = [v for v in it.order(fwd.body) if v in assigned - counters
               and (v in it.exposed(fwd.body, made) or v in after
                    or v in it.read_late(back.body, made)
                    or v in it.read_unset(back.body, fwd.body, made))]
    return carried, counters, between, after


def _keep_ends(body, i, j, ends, last, taken) -> None:
    """A carried value rebound between the sweeps (`ends`) gets its value at the
    loop's end back before the adjoint loop; one the adjoint loop now restores but
    did not before (`last`) gets back, after it, the value it had when it began."""
    fwd, back = body[i], body[j]
    names = {v: taken.fresh(f"{v}_end") for v in ends}
    names.update({v: taken.fresh(f"{v}_last") for v in last})
    body[j + 1:j + 1] = [ir.assign(v, ir.name(names[v]), back) for v in last]
    body[j:j] = [ir.assign(names[v], ir.name(v), back) for v in last] + \
        [ir.assign(v, ir.name(names[v]), back) for v in ends]
    body[i + 1:i + 1] = [ir.assign(names[v], ir.name(v), fwd) for v in ends]


def _save(body, i, back, carried, saved, taken, made) -> None:
    """The checkpoint: saved first in each forward pass, read back first in each
    adjoint pass. A `for i in range(n)` loop writes a list of n at [i] (cheaper than
    a push and a pop); other loops use the stack."""
    fwd = body[i]
    size = _trips(fwd)
    value = _pack(carried, ir.name)
    if size is None:
        save, load = ir.expr_stmt(ir.call(made.stack[1], value), fwd), ir.pop(made.stack[2])
    else:
        store = taken.fresh("_checkpoints")
        save = gast.copy_location(gast.Assign(targets=[_at(store, fwd.target.id, True)],
                                              value=value, type_comment=None), fwd)
        load = _at(store, fwd.target.id)
        body.insert(i, ir.assign(store, gast.BinOp(left=gast.List(
            elts=[ir.const(None)], ctx=gast.Load()), op=gast.Mult(), right=size), fwd))
    unpack = gast.Assign(targets=[_pack(carried, lambda v: ir.name(saved[v], True), True)],
                         value=load, type_comment=None)
    fwd.body.insert(0, save)
    back.body.insert(0, gast.copy_location(unpack, back))


def _trips(loop):
    """n for `for i in range(n)` (a name or a number): the loop's passes, i from 0."""
    rng = getattr(loop, "iter", None)
    if isinstance(rng, gast.Call) and isinstance(rng.func, gast.Name) \
            and rng.func.id == "range" and len(rng.args) == 1 and not rng.keywords \
            and (isinstance(rng.args[0], gast.Name) or isinstance(rng.args[0], gast.Constant)
                 and type(rng.args[0].value) is int):
        return ir.clone(rng.args[0])
    return None


def _at(store: str, index: str, write=False):
    return gast.Subscript(value=ir.name(store), slice=ir.name(index),
                          ctx=gast.Store() if write else gast.Load())


def _pack(names, make, store=False):
    if len(names) == 1:
        return make(names[0])
    return gast.Tuple(elts=[make(v) for v in names],
                      ctx=gast.Store() if store else gast.Load())


# ---- the rewrite ----------------------------------------------------------------

def _without_pushes(body, made) -> list:
    out = []
    for stmt in body:
        if made.is_push(stmt):
            continue
        if isinstance(stmt, gast.If):
            stmt.body = _without_pushes(stmt.body, made) or [gast.Pass()]
            stmt.orelse = _without_pushes(stmt.orelse, made)
        out.append(stmt)
    return out


def _again(body, saved: dict, after=frozenset()) -> list:
    """The iteration once more, without comments and without assigning a carried
    name (its value after the iteration is the current one); a read of a carried
    name that an assignment later in the iteration overwrites reads the checkpoint."""
    out = []
    for k, stmt in enumerate(body):
        if ir.is_comment(stmt) or isinstance(stmt, gast.Pass):
            continue
        later = it.assigned(body[k + 1:]) | after
        if isinstance(stmt, gast.If):
            test = stmt.test.id
            new = gast.If(test=ir.name(saved[test] if test in saved and test in later
                                       else test),
                          body=_again(stmt.body, saved, later) or [gast.Pass()],
                          orelse=_again(stmt.orelse, saved, later))
            out.append(gast.copy_location(new, stmt))
        elif stmt.targets[0].id not in saved:
            new = ir.clone(stmt)
            for node in ir.nodes(new.value):
                if isinstance(node, gast.Name) and node.id in saved and node.id in later:
                    node.id = saved[node.id]
            out.append(new)
    return out


def _restored(body, saved: dict, made) -> list:
    """The adjoint body with each pop of a carried name reading its checkpoint and
    the pops of everything else gone (the iteration was just re-run)."""
    out = []
    for stmt in body:
        if made.is_pop(stmt):
            name = stmt.targets[0].id
            if name in saved:
                out.append(ir.assign(name, ir.name(saved[name]), stmt))
            continue
        if isinstance(stmt, gast.If):
            stmt.body = _restored(stmt.body, saved, made) or [gast.Pass()]
            stmt.orelse = _restored(stmt.orelse, saved, made)
        out.append(stmt)
    return out
