"""Control flow under batching: `if`, `for` and `while`.

An `if` on an unbatched value stays an `if`. An `if` on a batched value cannot: each
example may take another branch. When both branches only assign variables (they
are *pure*), both run on the whole batch, each into its own names, and `np.where`
picks per example; anything else (a push, a write, a loop, a print) is refused:

    if x > 0:                     cond = x > 0
        y = np.sqrt(x)            y_then = np.sqrt(x)
    else:              ->         y_else = -x
        y = -x                    y = np.where(cond, y_then, y_else)

Loops over a fixed range stay loops (a range that differs between examples is
refused); variables that become batched inside a loop are lifted before it.
"""
from __future__ import annotations

import gast

from ..codegen import ir
from ..forward.tangents import pop_stack, push_of
from . import build
from .facts import Fact
from .policies.elementwise import aligned
from .sites import Operand


def lifts(tr, stmt, where) -> list:
    out = []
    for name, fact in tr.facts.lifts.get((stmt, where), ()):
        args = [ir.name(name), tr.batch_size()]
        if fact.rank is not None:
            args.append(build.lit(fact.rank))
        out.append(ir.assign(name, build.helper("lift_copy", *args), stmt))
    return out


def branch(tr, stmt, env) -> list:
    test = tr.binder.fact_of(stmt.test, env)
    if test.const:  # known when compiling: only the branch taken
        return tr.block(stmt.body if test.const[0] else stmt.orelse)
    if not test.batched:
        body = tr.block(stmt.body) + lifts(tr, stmt, "body")
        orelse = tr.block(stmt.orelse) + lifts(tr, stmt, "orelse")
        new = gast.If(test=ir.clone(stmt.test), body=body or [gast.Pass()], orelse=orelse)
        return [gast.copy_location(new, stmt)]
    tr.where = stmt
    if test.kind != "array" or (test.rank not in (0, None)):
        tr.refuse("an `if` on an array of several values per example",
                  "test one value per example (np.any(...) or np.all(...))")
    impure = _impure(stmt.body + stmt.orelse)
    if impure is not None and _saves(impure):
        tr.where = stmt
        tr.refuse("the gradient of an `if` on a value that differs between examples "
                  "inside a loop (each pass saves what its branch needs)",
                  "write the choice with np.where in the function you differentiate "
                  "(x = np.where(x > 0.5, a, b)): both branches then run for every "
                  "example, and the gradient has no branch")
    if impure is not None:
        tr.where = impure
        tr.refuse("an `if` on a value that differs between examples, whose branches do "
                  f"more than assign variables (here: `{_show(impure)}`)",
                  "write both branches as assignments (they then both run and np.where "
                  "picks per example), or compute the choice with np.where yourself")
    return select(tr, stmt, env)


def select(tr, stmt, env) -> list:
    """Both branches into their own names, then `name = np.where(cond, then, else)`."""
    names = sorted(ir.stored_names(stmt.body + stmt.orelse))
    out, maps = [], {}
    for part, suffix in (("body", "then"), ("orelse", "else")):
        branch = getattr(stmt, part)
        stored = ir.stored_names(branch)
        mapping = {n: tr.namer.fresh(f"{n}_{suffix}") for n in names if n in stored}
        loaded = {n.id for n in ir.nodes(branch) if isinstance(n, gast.Name)
                  and isinstance(n.ctx, gast.Load)}
        for n in sorted(mapping):  # a value the branch reads before it writes it
            prior = env.get(n)
            if n in loaded and prior is not None and prior.kind != "none":
                out.append(ir.assign(mapping[n], ir.name(n), stmt))
        for s in branch:
            for new in (select(tr, s, tr.facts.before.get(s, {})) if isinstance(s, gast.If)
                        else tr.stmt(s)):
                out.append(_rename(new, mapping))
        maps[part] = mapping
    read = _read_outside(tr.body, stmt)
    for name in names:
        if name not in read:  # nothing reads it after the if: no choice to make
            continue
        ends = tr.facts.ends
        then, other = maps["body"].get(name), maps["orelse"].get(name)
        ft, fe = ends[(stmt, "body")].get(name), ends[(stmt, "orelse")].get(name)
        prior = env.get(name)
        if then is None or other is None:
            if prior is None or prior.kind == "none":
                # a value one way only (an early return's result): nothing reads it
                # the other way, so that way takes the same value
                out.append(ir.assign(name, ir.name(then or other), stmt))
                continue
        if ft is not None and fe is not None and "none" in (ft.kind, fe.kind):
            keep = then or name if fe.kind == "none" else other or name
            if keep != name:
                out.append(ir.assign(name, ir.name(keep), stmt))
            continue
        ops = [Operand("c", ir.clone(stmt.test), tr.binder.fact_of(stmt.test, env)),
               Operand("t", ir.name(then or name), ft or Fact(rank=None)),
               Operand("e", ir.name(other or name), fe or Fact(rank=None))]
        ranks = [o.fact.rank for o in ops]
        rank = None if None in ranks else max(ranks)
        new = aligned(ops, rank, tr)
        if new is None:
            tr.where = stmt
            tr.refuse(f"`{name}`: its dimensions differ between the branches", "")
        value = build.code("np.where(c, t, e)", **{o.param: new.get(o.param, o.node)
                                                   for o in ops})
        out.append(ir.assign(name, value, stmt))
    return out


def _read_outside(body, stmt) -> set:
    """The names read anywhere in `body` except inside `stmt`."""
    out = set()
    stack = list(body)
    while stack:
        node = stack.pop()
        if node is stmt:
            continue
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
            out.add(node.id)
        for f in getattr(node, "_fields", ()):
            value = getattr(node, f, None)
            if isinstance(value, list):
                stack.extend(value)
            elif isinstance(value, gast.AST):
                stack.append(value)
    return out


def _rename(stmt, mapping):
    """The branch's own names (`y_then`) for the variables it assigns."""
    for node in ir.nodes(stmt):
        if isinstance(node, gast.Name) and node.id in mapping:
            node.id = mapping[node.id]
    return stmt


def _impure(body):
    """The first statement that does more than assign variables (in ifs and loops),
    or None."""
    for stmt in body:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            inner = _impure(stmt.body + stmt.orelse)
            if inner is not None:
                return inner
        elif not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                  and pop_stack(stmt.value) is None):
            return stmt
    return None


def _saves(stmt) -> bool:
    """A push or a pop of a generated gradient's stack."""
    return push_of(stmt) is not None or (isinstance(stmt, gast.Assign)
                                         and pop_stack(stmt.value) is not None)


def _show(stmt) -> str:
    text = ir.unparse(stmt).strip().splitlines()[0]
    return text if len(text) < 60 else text[:57] + "..."


def loop(tr, stmt, env) -> list:
    tr.where = stmt
    if isinstance(stmt, gast.For):
        names = [n for n in ir.nodes(stmt.iter) if isinstance(n, gast.Name)]
        if any(tr.binder.fact_of(n, env).batched for n in names):
            tr.refuse("a loop whose number of passes differs between examples",
                      "loop over the largest range and mask the extra passes with "
                      "np.where, or pass fallback='loop' to vmap")
    else:
        head = tr.facts.before.get(stmt.body[0], env) if stmt.body else env
        if tr.binder.fact_of(stmt.test, head).batched:
            tr.refuse("a while loop whose condition differs between examples",
                      "loop a fixed number of times (for ... in range(n)) and freeze "
                      "finished examples with np.where")
    before = lifts(tr, stmt, "before")
    body = tr.block(stmt.body) + lifts(tr, stmt, "body")
    new = type(stmt)(**{f: getattr(stmt, f) for f in stmt._fields})
    new.body = body or [gast.Pass()]
    return before + [gast.copy_location(new, stmt)]
