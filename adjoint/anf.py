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

import builtins
import copy
import types

import gast

from . import comprehension
from .context import Source
from .errors import UnsupportedSyntaxError
from .naming import Namer

ATOMS = (gast.Name, gast.Constant)
MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "update",
            "setdefault", "popitem", "sort", "reverse", "__setitem__", "fill",
            "resize", "put", "itemset"}


def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def assign(target: str, value, where) -> gast.Assign:
    node = gast.Assign(targets=[_name(target, gast.Store())], value=value,
                       type_comment=None)
    return gast.copy_location(node, where)


class Normalizer:
    def __init__(self, source: Source, namer: Namer):
        self.source = source
        self.namer = namer
        self.where = None  # the user statement being normalised

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

    def stmt_FunctionDef(self, node):
        """A nested def is lifted to module level (calls.py); it leaves no statement."""
        from .calls import Nested, free_variables
        enclosing = self.locals | set(self.source.nested)
        self.source.nested[node.name] = Nested(node, free_variables(node, enclosing),
                                               self.source)
        return []

    def stmt_Assign(self, node):
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

    def stmt_For(self, node):
        out = []
        it = node.iter
        backwards = self.is_reversed(it)  # `for i in reversed(range(n))` (in gradients)
        it = it.args[0] if backwards else it
        if self.is_call(it, builtins.range) and isinstance(node.target, gast.Name):
            args = [self.atom(a, out) for a in it.args]
            target, bindings = node.target, []
        else:  # for x in xs / enumerate / zip / reversed: loop over an index
            index = self.index_name(node)
            length, bindings = self.iteration(node.target, it, _name(index), out)
            args, target = [length], _name(index, gast.Store())
        assigned = local_names(gast.Module(body=node.body, type_ignores=[]), params=False)
        for i, a in enumerate(args):  # the reverse loop replays the range: keep it fixed
            if isinstance(a, gast.Name) and (a.id in assigned or a.id == target.id):
                tmp = self.namer.fresh(a.id + "_start")
                out.append(assign(tmp, a, node))
                args[i] = _name(tmp)
        call = gast.Call(func=_name("range"), args=args, keywords=[])
        if backwards:
            call = gast.Call(func=_name("reversed"), args=[call], keywords=[])
        body = self.block([gast.copy_location(b, node) for b in bindings] + node.body)
        self.where = node
        loop = gast.For(target=target, iter=call, body=body or [gast.Pass()],
                        orelse=[], type_comment=None)
        return out + [gast.copy_location(loop, node)]

    def index_name(self, node) -> str:
        """`for i, x in enumerate(xs)` loops over the user's own `i` when it can."""
        t, it = node.target, node.iter
        if self.is_call(it, builtins.enumerate) and len(it.args) == 1 \
                and isinstance(t, gast.Tuple) and isinstance(t.elts[0], gast.Name):
            name = t.elts[0].id
            body = local_names(gast.Module(body=node.body, type_ignores=[]), params=False)
            if name not in body:
                t.elts[0] = gast.Name(id="_", ctx=gast.Store(), annotation=None,
                                      type_comment=None)
                return name
        return self.namer.fresh("i")

    def iteration(self, target, it, index, out):
        """(length atom, per-iteration assignments) for `for target in it`."""
        if self.is_call(it, builtins.enumerate) and isinstance(target, gast.Tuple) \
                and len(target.elts) == 2 and not it.keywords and len(it.args) in (1, 2):
            length, inner = self.iteration(target.elts[1], it.args[0], index, out)
            if isinstance(target.elts[0], gast.Name) and target.elts[0].id == "_":
                return length, inner  # the index itself is the user's counter
            count = index if len(it.args) == 1 else \
                gast.BinOp(left=index, op=gast.Add(), right=it.args[1])
            return length, [_plain_assign(target.elts[0], count)] + inner
        if self.is_call(it, builtins.zip) and isinstance(target, gast.Tuple) \
                and len(target.elts) == len(it.args) and not it.keywords:
            pieces = [self.iteration(t, a, index, out) for t, a in zip(target.elts, it.args)]
            lengths = [p[0] for p in pieces]
            length = lengths[0] if len(lengths) == 1 else self.to_atom(
                gast.Call(func=_name("min"), args=lengths, keywords=[]), out)
            return length, [b for p in pieces for b in p[1]]
        if self.is_call(it, builtins.reversed) and len(it.args) == 1:
            seq = self.atom(it.args[0], out)
            length = self.to_atom(gast.Call(func=_name("len"), args=[seq], keywords=[]), out)
            last = gast.BinOp(left=gast.UnaryOp(op=gast.USub(), operand=gast.Constant(1, None)),
                              op=gast.Sub(), right=index)
            item = gast.Subscript(value=seq, slice=last, ctx=gast.Load())
            return length, [_plain_assign(target, item)]
        seq = self.atom(it, out)
        length = self.to_atom(gast.Call(func=_name("len"), args=[seq], keywords=[]), out)
        item = gast.Subscript(value=seq, slice=index, ctx=gast.Load())
        return length, [_plain_assign(target, item)]

    def is_call(self, node, fn) -> bool:
        return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
            and node.func.id not in self.locals and self.source.namespace.get(node.func.id) is fn

    def is_reversed(self, it) -> bool:
        return isinstance(it, gast.Call) and isinstance(it.func, gast.Name) \
            and self.source.namespace.get(it.func.id) is builtins.reversed \
            and len(it.args) == 1 and not it.keywords and self.is_call(it.args[0], builtins.range)

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
        if isinstance(node.value, gast.Call):
            func = node.value.func
            if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                    and func.attr in MUTATORS and func.value.id not in self.locals:
                self.fail(node, f"mutating the global {func.value.id} (.{func.attr}) is "
                          "not supported", "pass it in as an argument and return the "
                          "new value")
            call = self.rhs(node.value, out)
            return out + [gast.copy_location(gast.Expr(value=call), node)]
        self.rhs(node.value, out)
        return out

    def stmt_Pass(self, node):
        return []

    def stmt_Break(self, node):
        return [node]

    def stmt_Assert(self, node):
        out = []
        test = self.atom(node.test, out)
        return out + [gast.copy_location(gast.Assert(test=test, msg=node.msg), node)]

    def stmt_Raise(self, node):
        return [node]

    # ---- expressions -----------------------------------------------------------
    def atom(self, expr, out):
        return self.to_atom(self.rhs(expr, out), out)

    def to_atom(self, value, out):
        if isinstance(value, ATOMS) or self.is_static(value):
            return value
        tmp = self.namer.temp(value)
        out.append(assign(tmp, value, self.where))
        return _name(tmp)

    def name_atom(self, expr, out, base):
        value = self.atom(expr, out)
        if isinstance(value, gast.Name):
            return value
        tmp = self.namer.fresh(base)
        out.append(assign(tmp, value, self.where))
        return _name(tmp)

    def rhs(self, expr, out):
        """`expr` as a single operation over atoms; sub-expressions go to `out`."""
        method = getattr(self, "expr_" + type(expr).__name__, None)
        if method is None:
            self.fail(expr, f"{type(expr).__name__} expressions are not supported",
                      "compute the value in a helper that is not differentiated")
        return gast.copy_location(method(expr, out), expr)

    def expr_Name(self, node, out):
        return _name(node.id)

    def expr_Constant(self, node, out):
        return node

    def expr_BinOp(self, node, out):
        return gast.BinOp(left=self.atom(node.left, out), op=node.op,
                          right=self.atom(node.right, out))

    def expr_UnaryOp(self, node, out):
        operand = self.atom(node.operand, out)
        if isinstance(node.op, gast.USub) and isinstance(operand, gast.Constant) \
                and type(operand.value) in (int, float):
            return gast.Constant(value=-operand.value, kind=None)  # a literal: -1
        return gast.UnaryOp(op=node.op, operand=operand)

    def expr_Compare(self, node, out):
        return gast.Compare(left=self.atom(node.left, out), ops=node.ops,
                            comparators=[self.atom(c, out) for c in node.comparators])

    def expr_BoolOp(self, node, out):
        """`a and b` keeps short-circuiting: t = a; if t: t = b."""
        tmp = self.namer.fresh("cond")
        out.append(assign(tmp, self.rhs(node.values[0], out), self.where))
        for value in node.values[1:]:
            inner = []
            inner.append(assign(tmp, self.rhs(value, inner), self.where))
            test = _name(tmp) if isinstance(node.op, gast.And) else \
                gast.UnaryOp(op=gast.Not(), operand=_name(tmp))
            if not isinstance(test, gast.Name):
                neg = self.namer.fresh("not_" + tmp)
                out.append(assign(neg, test, self.where))
                test = _name(neg)
            out.append(gast.copy_location(gast.If(test=test, body=inner, orelse=[]),
                                          self.where))
        return _name(tmp)

    def expr_IfExp(self, node, out):
        """`a if c else b` becomes an if statement assigning one temporary."""
        tmp = self.namer.temp()
        test = self.name_atom(node.test, out, "cond")
        body, orelse = [], []
        body.append(assign(tmp, self.rhs(node.body, body), self.where))
        orelse.append(assign(tmp, self.rhs(node.orelse, orelse), self.where))
        out.append(gast.copy_location(gast.If(test=test, body=body, orelse=orelse),
                                      self.where))
        return _name(tmp)

    def expr_Call(self, node, out):
        func = node.func
        if isinstance(func, gast.Attribute) and not self.is_static(func):
            func = gast.Attribute(value=self.atom(func.value, out), attr=func.attr,
                                  ctx=gast.Load())
        elif not self.is_static(func) and not (
                isinstance(func, gast.Name) and (func.id in ("_push", "_pop")
                                                 or func.id in self.source.nested)):
            self.fail(node, "calling the result of an expression is not supported",
                      "call a named function")
        args = [self.static_or_atom(a, out) for a in node.args]
        keywords = []
        for kw in node.keywords:
            if kw.arg is None:
                self.fail(kw.value, "**kwargs in calls are not supported",
                          "pass keyword arguments by name")
            keywords.append(gast.keyword(arg=kw.arg, value=self.static_or_atom(kw.value, out)))
        return gast.Call(func=func, args=args, keywords=keywords)

    def expr_Attribute(self, node, out):
        if self.is_static(node):
            return node
        return gast.Attribute(value=self.atom(node.value, out), attr=node.attr,
                              ctx=gast.Load())

    def expr_Subscript(self, node, out):
        return gast.Subscript(value=self.atom(node.value, out),
                              slice=self.index(node.slice, out), ctx=gast.Load())

    def expr_Lambda(self, node, out):
        self.fail(node, "a lambda must be assigned to a name and called",
                  "write `f = lambda x: ...` then call f(...), or use a nested def")

    def expr_Tuple(self, node, out):
        return gast.Tuple(elts=[self.static_or_atom(e, out) for e in node.elts],
                          ctx=gast.Load())

    def expr_List(self, node, out):
        return gast.List(elts=[self.static_or_atom(e, out) for e in node.elts],
                         ctx=gast.Load())

    def expr_Dict(self, node, out):
        if any(k is None for k in node.keys):
            self.fail(node, "**unpacking in dict literals is not supported",
                      "write each key: value pair")
        return gast.Dict(keys=[self.static_or_atom(k, out) for k in node.keys],
                         values=[self.static_or_atom(v, out) for v in node.values])

    def expr_ListComp(self, node, out):
        """A loop that appends (see comprehension.py); the value is the list."""
        result = self.namer.fresh("items" if isinstance(node, gast.ListComp) else "entries")
        where = self.where
        self.locals = self.locals | {result}
        stmts = comprehension.lower(node, result, self.namer)
        self.locals |= local_names(gast.Module(body=stmts, type_ignores=[]), params=False)
        out.extend(self.block(stmts))
        self.where = where
        return _name(result)

    expr_DictComp = expr_ListComp

    def index(self, node, out):
        if isinstance(node, gast.Slice):
            parts = [None if p is None else self.atom(p, out)
                     for p in (node.lower, node.upper, node.step)]
            return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(node, gast.Tuple):
            return gast.Tuple(elts=[self.index(e, out) for e in node.elts], ctx=gast.Load())
        return self.atom(node, out)

    def static_or_atom(self, node, out):
        """Literal tuples of constants stay literal (shapes, axes); a literal that
        holds a local variable becomes a named temporary (a pack, differentiable)."""
        if isinstance(node, (gast.Tuple, gast.List)):
            value = self.rhs(node, out)
            if all(isinstance(e, gast.Constant) or self.is_static(e) for e in value.elts):
                return value
            return self.to_atom(value, out)
        return self.atom(node, out)

    def is_static(self, node) -> bool:
        """A dotted reference to something in a module (np.sin, np.pi, math.e)."""
        if isinstance(node, gast.Attribute):
            return self.is_static(node.value)
        if isinstance(node, gast.Name):
            value = self.source.namespace.get(node.id)
            return isinstance(value, types.ModuleType) or (
                callable(value) and node.id not in self.locals)
        return False

    def fail(self, node, message, hint):
        raise UnsupportedSyntaxError(f"{message} ({self.source.name})",
                                     self.source.where(node), hint=hint)


def _plain_assign(target, value):
    if isinstance(target, gast.Name):
        target = _name(target.id, gast.Store())
    return gast.Assign(targets=[target], value=value, type_comment=None)


def local_names(tree, params=True) -> set[str]:
    names = set()
    if params:
        names = {a.id for a in tree.args.args + tree.args.kwonlyargs + tree.args.posonlyargs}
    for node in gast.walk(tree):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            names.add(node.id)
    return names


def normalize(source: Source, namer: Namer) -> gast.FunctionDef:
    tree = source.tree
    norm = Normalizer(source, namer)
    norm.locals = local_names(tree)
    body = norm.block(tree.body)
    returns = [s for s in body if isinstance(s, gast.Return)]
    nested = [n for s in body if not isinstance(s, gast.Return) for n in gast.walk(s)
              if isinstance(n, gast.Return)]
    if nested or len(returns) != 1 or not isinstance(body[-1], gast.Return):
        where = (nested or returns[1:] or [tree])[0]
        norm.fail(where, "the function has no return statement",
                  "return the value to differentiate")
    new = gast.FunctionDef(name=tree.name, args=tree.args, body=body, decorator_list=[],
                           returns=None, type_comment=None, type_params=[])
    return gast.copy_location(new, tree)
