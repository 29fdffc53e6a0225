"""ANF, part 3: `for` loops. Loops over sequences, `enumerate`, `zip` and `reversed`
become loops over an index range (the reverse sweep replays ranges exactly)."""
from __future__ import annotations

import builtins
import re

import gast

from .atoms import _name, _plain_assign, assign, local_names


class Loops:
    """Methods of anf.Normalizer for `for` statements."""

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
            # (a sequence the loop rebinds, `for x in x:`, is walked from a copy)
            self.rebound = local_names(gast.Module(body=node.body, type_ignores=[]),
                                       params=False) | {n.id for n in gast.walk(node.target)
                                                        if isinstance(n, gast.Name)}
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
        if isinstance(seq, gast.Name) and seq.id in getattr(self, "rebound", ()):
            tmp = self.namer.fresh(seq.id + "_seq")
            out.append(assign(tmp, seq, it))
            seq = _name(tmp)
        if self.maybe_dict(it, target):  # walk a dict's keys, or a view, as a list
            seq = self.to_atom(gast.Call(func=gast.Attribute(
                value=_name("rt"), attr="as_sequence", ctx=gast.Load()), args=[seq],
                keywords=[]), out)
        length = self.to_atom(gast.Call(func=_name("len"), args=[seq], keywords=[]), out)
        item = gast.Subscript(value=seq, slice=index, ctx=gast.Load())
        return length, [_plain_assign(target, item)]

    def maybe_dict(self, it, target) -> bool:
        """`d.items()` / `.keys()` / `.values()`, or a name used like a dict in this
        function: indexed by the loop's own variable (`for k in d: d[k]`) or by a
        string (`d["W"]`). Other loops (over arrays and lists) stay as they are."""
        if isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute) \
                and it.func.attr in ("items", "keys", "values") and not it.args:
            return True
        if not isinstance(it, gast.Name):
            return False
        # the loop's variable; a comprehension's is renamed k -> k_ (comprehension.py)
        keys = {target.id, re.sub(r"_\d*$", "", target.id)} \
            if isinstance(target, gast.Name) else set()
        names = {it.id, re.sub(r"_\d*$", "", it.id)}  # (also a comprehension's L_ -> L)
        for node in gast.walk(self.source.tree):
            if isinstance(node, gast.Assign) and isinstance(node.value, (gast.Dict,
                                                                        gast.DictComp)) \
                    and any(isinstance(t, gast.Name) and t.id in names
                            for t in node.targets):
                return True  # d = {...}: a dict
            if isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name) \
                    and node.value.id in names:
                key = node.slice
                if isinstance(key, gast.Name) and key.id in keys or \
                        isinstance(key, gast.Constant) and isinstance(key.value, str):
                    return True
        return False

    def is_call(self, node, fn) -> bool:
        return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
            and node.func.id not in self.locals and self.source.namespace.get(node.func.id) is fn

    def is_reversed(self, it) -> bool:
        return isinstance(it, gast.Call) and isinstance(it.func, gast.Name) \
            and self.source.namespace.get(it.func.id) is builtins.reversed \
            and len(it.args) == 1 and not it.keywords and self.is_call(it.args[0], builtins.range)
