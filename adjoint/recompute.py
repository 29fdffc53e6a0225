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

from . import ir
from .optimize import _fresh, assigned_by, eliminate, is_pure, propagate_copies
from .template import names_in


def run(fn: gast.FunctionDef, pure_call) -> gast.FunctionDef:
    """Re-run the iterations of `fn`'s top-level loops in its adjoint sweep (in place)."""
    taken = names_in(fn) | {fn.name}
    pairs = []
    for loop in [s for s in fn.body if isinstance(s, (gast.For, gast.While))]:
        i = fn.body.index(loop)
        j = _partner(fn.body, i)
        if j is None:
            continue
        back = fn.body[j]
        found = _checkpoint(fn.body, i, j, pure_call, taken)
        if found is not None:
            pairs.append((loop, back, found))
    if pairs:
        fn.body, _ = eliminate(propagate_copies(fn.body), set(), pure_call)
        if any([_prune(fwd, back) for fwd, back, saves in pairs if saves]):
            fn.body, _ = eliminate(fn.body, set(), pure_call)  # (every pair pruned)
    return fn


def _prune(fwd, back) -> bool:
    """Drop from a checkpoint the values no pass of the adjoint loop reads any more
    (what only a statement the last elimination removed read)."""
    push, unpack = fwd.body[0], back.body[0]
    if not _loads_checkpoint(unpack, push):  # (a read of [i] nothing used is gone)
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


def _loads_checkpoint(stmt, save) -> bool:
    """Whether `stmt` is the adjoint loop's `_x = _pop()` or `_x = _checkpoints[i]`."""
    if not isinstance(stmt, gast.Assign):
        return False
    if isinstance(save, gast.Expr):
        return _is_pop(stmt)
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


def _checkpoint(body, i, j, pure_call, taken):
    """Rewrite the pair body[i] (forward) and body[j] (adjoint) if it qualifies;
    None if not, else whether it saves a checkpoint (the first statement of both)."""
    fwd, back = body[i], body[j]
    if fwd.orelse or back.orelse or not _forward_ok(fwd.body, pure_call) \
            or not _adjoint_ok(back.body) \
            or _trace(fwd.body, "push")[::-1] != _reverse_of(_trace(back.body, "pop")):
        return None
    assigned = _assigned(fwd.body)
    target = {fwd.target.id} if isinstance(fwd, gast.For) else set()
    after = set().union(*(names_in(s) for s in body[j + 1:])) if body[j + 1:] else set()
    between = set().union(*(_writes(s) for s in body[i + 1:j])) if j > i + 1 else set()
    counters = _counters(fwd, back, after | between)
    if counters is None or target & assigned \
            or any(n > 1 for n in _most(fwd.body).values()) \
            or (names_in(getattr(fwd, "iter", None)) | names_in(back.iter)) & assigned \
            - counters:
        return None
    carried = [v for v in _order(fwd.body) if v in assigned - counters
               and (v in _exposed(fwd.body) or v in after or v in _read_late(back.body)
                    or v in _read_unset(back.body, fwd.body))]
    outside = _reads(fwd.body) - assigned - target
    if outside & (between | _writes_all(back.body)):
        return None  # a value the iteration reads from outside changes before its adjoint
    saved = {v: _fresh(f"_{v}", taken) for v in carried}
    plain = _without_pushes(fwd.body)
    again = _again([s for s in plain if not _counting(s, counters)], saved)
    popped = {s.targets[0].id for s in ir.statements(back.body) if _is_pop(s)}
    adjoint = _restored(back.body, saved)  # (in place: the pops above are gone)
    read = set().union(*(names_in(s) for s in again + adjoint)) if again + adjoint else set()
    # restored at the end of each pass: what the original popped, and what the next
    # pass reads as the value after its iteration
    restore = [v for v in carried if v in popped or v in read]
    carried = [v for v in carried if v in restore or saved[v] in read]
    missing = [v for v in restore if v not in _must(adjoint)]
    ends = [v for v in restore if v in between]  # rebound after the loop: its end kept
    last = [v for v in restore if v not in popped and v in after]  # (not restored before)
    names = {v: _fresh(f"{v}_end", taken) for v in ends}
    names.update({v: _fresh(f"{v}_last", taken) for v in last})
    size = _trips(fwd) if carried else None
    store = _fresh("_checkpoints", taken) if size is not None else None
    value = _pack(carried, ir.name)
    if store is None:  # one stack: pushed and popped
        save, load = ir.expr_stmt(ir.call("_push", value), fwd), ir.pop()
    else:  # `for i in range(n)`: a list of n, written and read at [i] (cheaper)
        save = gast.copy_location(gast.Assign(targets=[_at(store, fwd.target.id, True)],
                                              value=value, type_comment=None), fwd)
        load = _at(store, fwd.target.id)
    fwd.body = ([save] if carried else []) + plain
    unpack = gast.Assign(targets=[_pack(carried, lambda v: ir.name(saved[v], True), True)],
                         value=load, type_comment=None)
    back.body = ([gast.copy_location(unpack, back)] if carried else []) + again + adjoint + \
        [ir.assign(v, ir.name(saved[v]), back) for v in missing]
    body[j + 1:j + 1] = [ir.assign(v, ir.name(names[v]), back) for v in last]
    body[j:j] = [ir.assign(names[v], ir.name(v), back) for v in last] + \
        [ir.assign(v, ir.name(names[v]), back) for v in ends]
    body[i + 1:i + 1] = [ir.assign(names[v], ir.name(v), fwd) for v in ends]
    if store is not None:
        body[i:i] = [ir.assign(store, gast.BinOp(left=gast.List(
            elts=[ir.const(None)], ctx=gast.Load()), op=gast.Mult(), right=size), fwd)]
    return bool(carried)


def _trips(loop):
    """n for `for i in range(n)` (a name or a number): the loop's passes, i from 0."""
    it = getattr(loop, "iter", None)
    if isinstance(it, gast.Call) and isinstance(it.func, gast.Name) \
            and it.func.id == "range" and len(it.args) == 1 and not it.keywords \
            and (isinstance(it.args[0], gast.Name) or isinstance(it.args[0], gast.Constant)
                 and type(it.args[0].value) is int):
        return ir.clone(it.args[0])
    return None


def _at(store: str, index: str, write=False):
    return gast.Subscript(value=ir.name(store), slice=ir.name(index),
                          ctx=gast.Store() if write else gast.Load())


def _counters(fwd, back, elsewhere):
    """A `while` loop's pass counter (`n_iter = n_iter + 1`, which the adjoint loop's
    `range(n_iter)` reads): not carried, not re-run. None if a counter is also read
    or written anywhere else; for a `for` loop, no counters."""
    if isinstance(fwd, gast.For):
        return set()
    counters = names_in(back.iter) & _assigned(fwd.body)
    for c in counters:
        counting = [s for s in fwd.body if _counting(s, {c})]
        uses = [s for s in ir.statements(fwd.body) if c in names_in(s)]
        if len(counting) != 1 or len(uses) != 1 or c in elsewhere \
                or c in set().union(*(names_in(s) for s in back.body)):
            return None
    return counters


def _counting(stmt, counters) -> bool:
    """`n = n + 1` for a counter n."""
    return isinstance(stmt, gast.Assign) and stmt.targets[0].id in counters \
        and ir.unparse(stmt.value) == f"{stmt.targets[0].id} + 1"


def _pack(names, make, store=False):
    if len(names) == 1:
        return make(names[0])
    return gast.Tuple(elts=[make(v) for v in names],
                      ctx=gast.Store() if store else gast.Load())


# ---- what qualifies -------------------------------------------------------------

def _is_push(stmt) -> bool:
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
        and ir.dotted(stmt.value.func) == "_push"


def _is_pop(stmt) -> bool:
    return isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Call) \
        and ir.dotted(stmt.value.func) == "_pop" and not stmt.value.args


def _forward_ok(body, pure_call) -> bool:
    for stmt in body:
        if ir.is_comment(stmt):
            continue
        if _is_push(stmt):
            args = stmt.value.args
            if len(args) != 1 or not isinstance(args[0], gast.Name):
                return False
        elif isinstance(stmt, gast.Assign):
            if not isinstance(stmt.targets[0], gast.Name) or len(stmt.targets) != 1 \
                    or not is_pure(stmt.value, pure_call) or _stack_use(stmt.value):
                return False
        elif isinstance(stmt, gast.If):
            if not isinstance(stmt.test, gast.Name) or not _forward_ok(stmt.body, pure_call) \
                    or not _forward_ok(stmt.orelse, pure_call):
                return False
        else:
            return False
    return True


def _adjoint_ok(body) -> bool:
    for stmt in body:
        if ir.is_comment(stmt) or _is_pop(stmt) and isinstance(stmt.targets[0], gast.Name):
            continue
        if isinstance(stmt, gast.If):
            if not isinstance(stmt.test, gast.Name) or not _adjoint_ok(stmt.body) \
                    or not _adjoint_ok(stmt.orelse):
                return False
        elif not isinstance(stmt, (gast.Assign, gast.AugAssign)) or _stack_use(stmt):
            return False
    return True


def _stack_use(tree) -> bool:
    return any(isinstance(n, gast.Name) and n.id in ("_push", "_pop", "_stack")
               for n in ir.nodes(tree))


def _trace(body, kind: str) -> list:
    """The pushes (pops) of a block in order, branches nested: ('push', 'x') or
    ('if', test, body trace, orelse trace); branches without any are left out."""
    out = []
    for stmt in body:
        if kind == "push" and _is_push(stmt):
            out.append(("push", stmt.value.args[0].id))
        elif kind == "pop" and _is_pop(stmt):
            out.append(("push", stmt.targets[0].id))
        elif isinstance(stmt, gast.If):
            a, b = _trace(stmt.body, kind), _trace(stmt.orelse, kind)
            if a or b:
                out.append(("if", stmt.test.id, a, b))
    return out


def _reverse_of(trace: list) -> list:
    """The pushes a trace of pops undoes, in the order they were made."""
    return [item if item[0] == "push" else
            ("if", item[1], _reverse_of(item[2])[::-1], _reverse_of(item[3])[::-1])
            for item in trace]


# ---- analyses of one iteration ----------------------------------------------------

def _assigned(body) -> set:
    return {s.targets[0].id for s in ir.statements(body) if isinstance(s, gast.Assign)}


def _order(body) -> list:
    """Names assigned in the iteration, in order of first assignment."""
    seen = []
    for s in ir.statements(body):
        if isinstance(s, gast.Assign) and s.targets[0].id not in seen:
            seen.append(s.targets[0].id)
    return seen


def _most(body) -> dict:
    """For each name, the most assignments to it on one path through the block."""
    count = {}
    for stmt in body:
        if isinstance(stmt, gast.Assign):
            name = stmt.targets[0].id
            count[name] = count.get(name, 0) + 1
        elif isinstance(stmt, gast.If):
            a, b = _most(stmt.body), _most(stmt.orelse)
            for name in a.keys() | b.keys():
                count[name] = count.get(name, 0) + max(a.get(name, 0), b.get(name, 0))
    return count


def _exposed(body, done=frozenset()) -> set:
    """Names the iteration may read before assigning them (it carries them)."""
    out, done = set(), set(done)
    for stmt in body:
        if ir.is_comment(stmt) or _is_push(stmt):
            continue
        if isinstance(stmt, gast.If):
            out |= {stmt.test.id} - done
            out |= _exposed(stmt.body, done) | _exposed(stmt.orelse, done)
            done |= _must(stmt.body) & _must(stmt.orelse)
        else:
            out |= names_in(stmt.value) - done
            done.add(stmt.targets[0].id)
    return out


def _must(body) -> set:
    """Names assigned on every path through a block."""
    out = set()
    for stmt in body:
        if isinstance(stmt, gast.Assign):
            out.add(stmt.targets[0].id)
        elif isinstance(stmt, gast.If):
            out |= _must(stmt.body) & _must(stmt.orelse)
    return out


def _read_late(body) -> set:
    """Names the adjoint body reads after popping them: the value from before the
    iteration's assignment (only a carried name has it)."""
    out, popped = set(), set()

    def walk(block, popped):
        for stmt in block:
            if _is_pop(stmt):
                popped.add(stmt.targets[0].id)
            elif isinstance(stmt, gast.If):
                out.update({stmt.test.id} & popped)
                a, b = set(popped), set(popped)
                walk(stmt.body, a)
                walk(stmt.orelse, b)
                popped |= a | b
            elif not ir.is_comment(stmt):
                out.update(names_in(stmt.value) & popped)
    walk(body, popped)
    return out


def _read_unset(back, fwd, ctx=frozenset()) -> set:
    """Names the adjoint body reads where the iteration may not have assigned them:
    their value then comes from an earlier iteration, which only a carried name has.
    (An adjoint branch on `_t1` mirrors the iteration's branch on `_t1`.)"""
    out = set()
    for stmt in back:
        if isinstance(stmt, gast.If):
            t = stmt.test.id
            out |= {t} - _must_under(fwd, ctx)
            out |= _read_unset(stmt.body, fwd, ctx | {(t, True)})
            out |= _read_unset(stmt.orelse, fwd, ctx | {(t, False)})
        elif not ir.is_comment(stmt) and not _is_pop(stmt):
            out |= names_in(stmt.value) - _must_under(fwd, ctx)
    return out


def _must_under(body, ctx) -> set:
    """Names assigned on every path through the iteration that takes the branches
    `ctx` names ((test, True) for the body of `if test`)."""
    out = set()
    for stmt in body:
        if isinstance(stmt, gast.Assign):
            out.add(stmt.targets[0].id)
        elif isinstance(stmt, gast.If):
            t = stmt.test.id
            a, b = _must_under(stmt.body, ctx), _must_under(stmt.orelse, ctx)
            out |= a if (t, True) in ctx else b if (t, False) in ctx else a & b
    return out


def _reads(body) -> set:
    return set().union(*(names_in(s.value) if not isinstance(s, gast.If) else
                         {s.test.id} for s in ir.statements(body)
                         if not ir.is_comment(s) and not _is_push(s)))


def _writes(stmt) -> set:
    """Names a statement rebinds, and the objects it writes into or calls methods of
    (`y[0] = v`, `o.a = v`, `ys.append(v)`), for which the name stands."""
    out = set().union(*(assigned_by(s) for s in ir.statements([stmt])))
    for node in ir.nodes(stmt):
        if isinstance(node, (gast.Attribute, gast.Subscript)) \
                and isinstance(node.ctx, gast.Store) or isinstance(node, gast.Call) \
                and isinstance(node.func, gast.Attribute) \
                and not is_pure(node, lambda call: False):  # (math.sin: no method)
            base = node.func if isinstance(node, gast.Call) else node
            while isinstance(base, (gast.Attribute, gast.Subscript)):
                base = base.value
            if isinstance(base, gast.Name):
                out.add(base.id)
    return out


def _writes_all(body) -> set:
    return set().union(*(_writes(s) for s in body)) if body else set()


# ---- the rewrite ----------------------------------------------------------------

def _without_pushes(body) -> list:
    out = []
    for stmt in body:
        if _is_push(stmt):
            continue
        if isinstance(stmt, gast.If):
            stmt.body = _without_pushes(stmt.body) or [gast.Pass()]
            stmt.orelse = _without_pushes(stmt.orelse)
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
        later = _assigned(body[k + 1:]) | after
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


def _restored(body, saved: dict) -> list:
    """The adjoint body with each pop of a carried name reading its checkpoint and
    the pops of everything else gone (the iteration was just re-run)."""
    out = []
    for stmt in body:
        if _is_pop(stmt):
            name = stmt.targets[0].id
            if name in saved:
                out.append(ir.assign(name, ir.name(saved[name]), stmt))
            continue
        if isinstance(stmt, gast.If):
            stmt.body = _restored(stmt.body, saved) or [gast.Pass()]
            stmt.orelse = _restored(stmt.orelse, saved)
        out.append(stmt)
    return out
