"""Pass 3: normalise to one operation per statement (A-normal form).

After this pass every statement is one of
    name = atom | op(atom, ...) | f(atom, ..., k=atom) | atom[static] | atom.attr
    if name: ...        for name in range(atom, ...): ...        while name: ...
    for name in reversed(range(atom, ...)): ...   (as generated gradients loop)
    return name         expression statements such as print(atom)
where an atom is a Name or a Constant. Each statement keeps the line of the user
statement it came from, which later passes use for comments and error messages.
"""
from __future__ import annotations

import copy

import gast
import numpy as np

from ...codegen import ir
from ...context import Source
from ...errors import UnsupportedSyntaxError
from .expressions import Expressions
from .loops import Loops
from ...codegen.naming import Namer
from .atoms import _name, assign, local_names

__all__ = ["normalize", "local_names", "Normalizer"]

MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "update",
            "setdefault", "popitem", "sort", "reverse", "__setitem__", "fill",
            "resize", "put", "itemset"}


class Normalizer(Loops, Expressions):
    """Statements here; expressions in anf_expr.py, for loops in anf_loops.py."""

    def __init__(self, source: Source, namer: Namer):
        self.source = source
        self.namer = namer
        self.where = None  # the user statement being normalised
        self.aliases = {}  # name -> bound list method it stands for (`_push`)

    # ---- statements ------------------------------------------------------------
    def block(self, stmts) -> list:
        out = []
        for stmt in stmts:
            self.where = stmt
            method = getattr(self, "stmt_" + type(stmt).__name__, None)
            if method is None:
                self.fail(stmt, f"{type(stmt).__name__} statements are not supported",
                          "rewrite the statement with assignments, if, for or while")
            out.extend(method(stmt))
        return out

    def stmt_FunctionDef(self, node, name=None):
        """A nested def is lifted to module level (callees.py); it leaves no statement.
        `name`: the name it is known by, when not its own (a lambda argument's)."""
        from ...analysis.callees import Nested, free_variables
        name = name or node.name
        enclosing = self.locals - set(self.source.nested) - {name}  # not siblings
        self.source.nested[name] = Nested(node, free_variables(node, enclosing),
                                          self.source)
        return []

    def stmt_Assign(self, node):
        value, target = node.value, node.targets[0]
        if isinstance(target, gast.Name) and isinstance(value, gast.Attribute) \
                and isinstance(value.value, gast.Name) and value.attr in ("append", "pop") \
                and value.value.id in self.locals:  # _push = _stack.append (gradients)
            self.aliases[target.id] = value
            return []
        if isinstance(node.value, gast.Lambda) and len(node.targets) == 1 \
                and isinstance(node.targets[0], gast.Name):  # f = lambda x: ...
            lam = node.value
            ret = gast.copy_location(gast.Return(value=lam.body), lam.body)
            fn = gast.FunctionDef(name=node.targets[0].id, args=lam.args, body=[ret],
                                  decorator_list=[], returns=None, type_comment=None,
                                  type_params=[])
            return self.stmt_FunctionDef(gast.copy_location(fn, node))
        out = []
        first, *rest = node.targets
        value = self.rhs(node.value, out)
        out.extend(self.bind(first, value, node))
        for target in rest:
            out.extend(self.bind(target, self.atom_of(first, out), node))
        return out

    def atom_of(self, target, out):
        if isinstance(target, gast.Name):
            return _name(target.id)
        self.fail(target, "chained assignment to a tuple is not supported",
                  "assign on separate lines")

    def bind(self, target, value, where) -> list:
        if isinstance(target, gast.Name):
            return [assign(target.id, value, where)]
        if isinstance(target, (gast.Tuple, gast.List)):
            return self.unpack(target, value, where)
        if isinstance(target, gast.Subscript):
            out = []
            value = self.to_atom(value, out)
            return self.item_write(target, value, where, out)
        self.fail(target, "attribute assignment (obj.a = ...) is not supported",
                  "keep the value in a variable, a dict or an array, and return it")

    def item_write(self, target, value, where, out, index=None) -> list:
        """`y[i] = v` with atoms: one statement that writes into the object `y`."""
        name = self.written(target)
        index = self.index(target.slice, out) if index is None else index
        sub = gast.Subscript(value=_name(name), slice=index, ctx=gast.Store())
        node = gast.Assign(targets=[sub], value=value, type_comment=None)
        return out + [gast.copy_location(node, where)]

    def written(self, target) -> str:
        """The variable an item write changes (a local; never a global)."""
        obj = target.value
        if not isinstance(obj, gast.Name):
            self.fail(target, "nested item assignment (x[i][j] = ...) is not supported",
                      "index once (x[i, j] = v for an array), or build the inner "
                      "value in a variable first and write it with x[i] = row")
        if obj.id not in self.locals:
            self.fail(target, f"mutating the global {obj.id} is not supported",
                      "pass it in as an argument and return the new value")
        return obj.id

    def unpack(self, target, value, where) -> list:
        names = [t for t in target.elts]
        if not all(isinstance(t, gast.Name) for t in names):
            self.fail(target, "nested or starred unpacking is not supported",
                      "unpack one level at a time")
        out = []
        if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(names):
            targets = {t.id for t in names}
            elts = []
            for elt in value.elts:  # copy names the unpacking overwrites (a, b = b, a)
                if isinstance(elt, gast.Name) and elt.id in targets:
                    tmp = self.namer.fresh("_" + elt.id)
                    out.append(assign(tmp, elt, where))
                    elt = _name(tmp)
                elts.append(elt)
            return out + [assign(t.id, e, where) for t, e in zip(names, elts)]
        whole = self.to_atom(value, out)
        for i, t in enumerate(names):
            index = gast.Constant(value=i, kind=None)
            out.append(assign(t.id, gast.Subscript(value=whole, slice=index,
                                                   ctx=gast.Load()), where))
        return out

    def stmt_AugAssign(self, node):
        if isinstance(node.target, gast.Subscript):  # y[i] += v: read, op, write
            out = []
            value = self.atom(node.value, out)
            self.written(node.target)
            index = self.index(node.target.slice, out)
            read = gast.Subscript(value=_name(node.target.value.id),
                                  slice=copy.deepcopy(index), ctx=gast.Load())
            old = self.to_atom(gast.copy_location(read, node), out)
            op = gast.copy_location(gast.BinOp(left=old, op=node.op, right=value), node)
            return self.item_write(node.target, self.to_atom(op, out), node, out,
                                   copy.deepcopy(index))
        if not isinstance(node.target, gast.Name):
            self.bind(node.target, None, node)
        out = []
        value = self.atom(node.value, out)
        op = gast.BinOp(left=_name(node.target.id), op=node.op, right=value)
        return out + [assign(node.target.id, gast.copy_location(op, node), node)]

    def stmt_AnnAssign(self, node):
        if node.value is None:
            return []
        return self.stmt_Assign(gast.copy_location(
            gast.Assign(targets=[node.target], value=node.value, type_comment=None), node))

    def stmt_Return(self, node):
        out = []
        value = node.value if node.value is not None else gast.Constant(None, None)
        atom = self.atom(value, out)
        if not isinstance(atom, gast.Name):
            tmp = self.namer.fresh("result")
            out.append(assign(tmp, atom, node))
            atom = _name(tmp)
        return out + [gast.copy_location(gast.Return(value=atom), node)]

    def stmt_If(self, node):
        out = []
        test = self.name_atom(node.test, out, "cond")
        inside = local_names(gast.Module(body=node.body + node.orelse, type_ignores=[]),
                             params=False)
        if test.id in inside:  # the reverse sweep replays the test: keep it fixed
            tmp = self.namer.fresh("cond")
            out.append(assign(tmp, test, node))
            test = _name(tmp)
        body, orelse = self.block(node.body), self.block(node.orelse)
        self.where = node
        return out + [gast.copy_location(gast.If(test=test, body=body or [gast.Pass()],
                                                 orelse=orelse), node)]

    def stmt_While(self, node):
        """`while test:` becomes `cond = test; while cond: ...; cond = test`."""
        out = []
        cond = self.namer.fresh("cond")
        out.append(assign(cond, self.rhs(node.test, out), node))
        body = self.block(node.body)
        self.where = node
        again = []
        again.append(assign(cond, self.rhs(node.test, again), node))
        loop = gast.While(test=_name(cond), body=body + again, orelse=[])
        return out + [gast.copy_location(loop, node)]

    def stmt_Expr(self, node):
        if isinstance(node.value, gast.Constant):
            return []  # docstrings and bare constants do nothing
        out = []
        if self.is_add_at(node.value):
            return self.add_at(node.value, node)
        if isinstance(node.value, gast.Call):
            func = node.value.func
            if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                    and func.attr in MUTATORS and func.value.id not in self.locals:
                self.fail(node, f"mutating the global {func.value.id} (.{func.attr}) is "
                          "not supported", "pass it in as an argument and return the "
                          "new value")
            call = self.rhs(node.value, out)
            if isinstance(func, gast.Attribute) and func.attr == "pop" \
                    and isinstance(func.value, gast.Name) and not call.keywords:
                # `xs.pop()` as a statement (a generated gradient's reverse of append):
                # as `_t = xs.pop()` the sweeps put the value back
                target = self.namer.fresh(f"{func.value.id}_pop")
                return out + [assign(target, call, node)]
            return out + [gast.copy_location(gast.Expr(value=call), node)]
        self.rhs(node.value, out)
        return out

    def is_add_at(self, call) -> bool:
        """`np.add.at(...)`: the `at` of the object np.add (found by identity)."""
        from ...analysis.primitives import resolve
        func = getattr(call, "func", None)
        return isinstance(call, gast.Call) and isinstance(func, gast.Attribute) \
            and func.attr == "at" and self.is_static(func.value) \
            and resolve(func.value, self.source.namespace) is np.add

    def add_at(self, call, node) -> list:
        """np.add.at(a, index, v), the scatter-add (an index may repeat), as the item
        write a[index] = rt.added_at(a, index, v): the entries it gives a, each
        repetition the same total. The sweeps reverse it like any item write."""
        if len(call.args) != 3 or call.keywords:
            self.fail(node, "np.add.at is differentiated in the form np.add.at(a, indices, "
                      "b)", "pass the three arguments by position")
        target, index, value = call.args
        out = []
        index = self.atom(index, out)
        value = self.atom(value, out)
        name = self.written(gast.Subscript(value=target, slice=index, ctx=gast.Store()))
        added = gast.Call(func=gast.Attribute(value=_name("rt"), attr="added_at",
                                              ctx=gast.Load()),
                          args=[_name(name), copy.deepcopy(index), value], keywords=[])
        added = self.to_atom(gast.copy_location(added, node), out)
        sub = gast.Subscript(value=_name(name), slice=index, ctx=gast.Store())
        return self.item_write(sub, added, node, out, copy.deepcopy(index))

    def stmt_Pass(self, node):
        return []

    def stmt_Delete(self, node):
        return []  # `del name` (the fence refuses anything else): memory only

    def stmt_Break(self, node):
        return [node]

    def stmt_Assert(self, node):
        out = []
        test = self.atom(node.test, out)
        return out + [gast.copy_location(gast.Assert(test=test, msg=node.msg), node)]

    def stmt_Raise(self, node):
        return [node]

    # ---- expressions -----------------------------------------------------------

    def fail(self, node, message, hint):
        raise UnsupportedSyntaxError(f"{message} ({self.source.name})",
                                     self.source.where(node), hint=hint)


def normalize(source: Source, namer: Namer) -> gast.FunctionDef:
    tree = source.tree
    norm = Normalizer(source, namer)
    norm.locals = local_names(tree)
    body = norm.block(tree.body)
    from ...analysis.callees import capture_through_siblings
    capture_through_siblings(source)
    returns = [s for s in body if isinstance(s, gast.Return)]
    nested = _nested_returns(body)
    if nested or len(returns) != 1 or not isinstance(body[-1], gast.Return):
        where = (nested or returns[1:] or [tree])[0]
        norm.fail(where, "the function has no return statement",
                  "return the value to differentiate")
    new = gast.FunctionDef(name=tree.name, args=tree.args, body=body, decorator_list=[],
                           returns=None, type_comment=None, type_params=[])
    return gast.copy_location(new, tree)


def _nested_returns(body) -> list:
    """Returns inside statements, in gast.walk's order (the first is reported);
    a quick walk first, as there are none in a function that compiles."""
    stmts = [s for s in body if not isinstance(s, gast.Return)]
    if not any(isinstance(n, gast.Return) for n in ir.nodes(stmts)):
        return []
    return [n for s in stmts for n in gast.walk(s) if isinstance(n, gast.Return)]
