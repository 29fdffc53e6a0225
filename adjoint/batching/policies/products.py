"""Products and linear algebra: `@`, np.dot, np.einsum, np.inner, np.tensordot,
np.linalg functions that already work on stacks of matrices.

`@` keeps BLAS products where it can (a batch of vectors times one matrix is one
matrix product); other contractions become np.einsum with a batch letter:

    h = W @ x            # W: (n, m), x: batched vectors
    h = x @ W.T
    s = np.dot(k, X)     # both batched vectors
    s = np.einsum('zi,zi->z', k, X)
"""
from __future__ import annotations

import string

from .. import build
from ..facts import Fact, container
from . import Policy, policy, rebuild
from ..sites import NO
from .elementwise import aligned, array_rank, result_fact
from .reductions import lift_operands, rank_of, shifted, static_or_default


def _ranks(site, *params):
    return [array_rank(site.fact(p)) for p in params]


def matmul_rank(ra, rb):
    if ra is None or rb is None:
        return None
    if ra == 1 and rb == 1:
        return 0
    if ra == 1:
        return rb - 1
    if rb == 1:
        return ra - 1
    return max(ra, rb)


def _matmul(site, em, a, b):
    """The batched `a @ b` for operands `a`, `b` (Operands with facts)."""
    ra, rb = array_rank(a.fact), array_rank(b.fact)
    A, B = a.node, b.node
    ba, bb = a.fact.batched, b.fact.batched
    if ra is None or rb is None:
        flags = build.lit((int(ba), int(bb)))
        return build.helper("matmul", A, B, flags)
    if ra == 1 and rb == 1:
        if ba and bb:
            return build.code("np.einsum('zi,zi->z', a, b)", a=A, b=B)
        return build.code("a @ b", a=A, b=B) if ba else build.code("b @ a", a=A, b=B)
    if ra == 1:
        if not ba:
            return build.code("a @ b", a=A, b=B)  # (m,) @ (B, ..., m, k)
        if not bb and rb == 2:
            return build.code("a @ b", a=A, b=B)  # rows of a batch times one matrix
        return build.code("(a @ b)[..., 0, :]", a=build.expand(A, rb - 1), b=B)
    if rb == 1:
        if not bb:
            return build.code("a @ b", a=A, b=B)  # (B, ..., n, m) @ (m,)
        if not ba and ra == 2:
            return build.code("b @ a.T", a=A, b=B)  # one matrix times a batch of vectors
        col = build.code("b[..., None]", b=build.expand(B, ra - 2) if ra > 2 else B)
        return build.code("(a @ b)[..., 0]", a=A, b=col)
    rank = max(ra, rb)
    new = aligned([a, b], rank, em)
    return build.code("a @ b", a=new.get(a.param, A), b=new.get(b.param, B))


@policy("matmul")
class Matmul(Policy):
    def fact(self, site):
        ra, rb = _ranks(site, "a", "b")
        return Fact(batched=site.batched, rank=matmul_rank(ra, rb))

    def emit(self, site, em):
        return _matmul(site, em, site.op("a"), site.op("b"))


@policy("dot")
class Dot(Policy):
    """np.dot: a product by a number, `@` up to matrices, einsum beyond."""

    def fact(self, site):
        ra, rb = _ranks(site, "a", "b")
        if ra is None or rb is None:
            rank = None
        elif ra == 0 or rb == 0:
            rank = ra + rb
        elif rb == 1:
            rank = ra - 1
        else:
            rank = ra + rb - 2
        return Fact(batched=site.batched, rank=rank)

    def emit(self, site, em):
        a, b = site.op("a"), site.op("b")
        ra, rb = array_rank(a.fact), array_rank(b.fact)
        if ra == 0 or rb == 0:
            new = aligned([a, b], self.fact(site).rank, em)
            return build.code("a * b", a=new.get("a", a.node), b=new.get("b", b.node))
        if ra is not None and rb is not None and ra <= 2 and rb <= 2:
            return _matmul(site, em, a, b)
        if ra is None or rb is None:
            return build.helper("dot", a.node, b.node,
                                build.lit((int(a.fact.batched), int(b.fact.batched))))
        letters = iter(string.ascii_lowercase[:25])
        la = "".join(next(letters) for _ in range(ra))
        lb = "".join(next(letters) for _ in range(rb))
        k = -1 if rb == 1 else -2
        lb = lb[:len(lb) + k] + la[-1] + (lb[len(lb) + k + 1:] if k == -2 else "")
        out = la[:-1] + lb.replace(la[-1], "")
        return einsum_call([(la, a), (lb, b)], out)


def einsum_call(ops, out):
    """np.einsum with a batch letter on the batched operands and on the result;
    `ops`: (subscripts of one example, Operand)."""
    used = set("".join(s for s, _ in ops) + out)
    z = next(c for c in "zyxwvutsrqponmlkjihgfedcba" if c not in used)
    subs = [(z if o.fact.batched else "") + s for s, o in ops]
    text = ",".join(subs) + "->" + z + out
    call = build.code("np.einsum(s)", s=build.lit(text))
    call.args.extend(o.node for _, o in ops)
    return call


@policy("einsum")
class Einsum(Policy):
    def fact(self, site):
        spec = site.static("subscripts")
        out = _einsum_output(spec) if isinstance(spec, str) else None
        ranks = [array_rank(o.fact) for o in self._ops(site)]
        rank = None if out is None or "..." in out or None in ranks else len(out)
        if out is not None and "..." in out and None not in ranks:
            ins = spec.split("->")[0].split(",")
            extra = max((r - len(s.replace("...", "")) for s, r in zip(ins, ranks)
                         if "..." in s), default=0)
            rank = len(out.replace("...", "")) + extra
        return Fact(batched=site.batched, rank=rank)

    def _ops(self, site):
        return [site.op(p) for p in "abcd" if site.op(p) is not None
                and site.op(p).fact.kind != "none"]

    def emit(self, site, em):
        spec = site.static("subscripts")
        if not isinstance(spec, str):
            em.refuse("np.einsum with subscripts that are not a literal string",
                      "write the subscripts in the call: np.einsum('ij,j->i', A, x)")
        ins = spec.replace(" ", "").split("->")[0].split(",")
        return einsum_call(list(zip(ins, self._ops(site))), _einsum_output(spec))


def _einsum_output(spec):
    spec = spec.replace(" ", "")
    if "->" in spec:
        return spec.split("->")[1]
    letters = spec.replace(",", "").replace("...", "")
    once = sorted(c for c in set(letters) if letters.count(c) == 1)
    return ("..." if "..." in spec else "") + "".join(once)


@policy("inner")
class Inner(Policy):
    """np.inner: a product over the last axes (a product by a number for 0-d)."""

    def fact(self, site):
        ra, rb = _ranks(site, "a", "b")
        rank = None if ra is None or rb is None else \
            ra + rb if 0 in (ra, rb) else ra + rb - 2
        return Fact(batched=site.batched, rank=rank)

    def emit(self, site, em):
        a, b = site.op("a"), site.op("b")
        ra, rb = array_rank(a.fact), array_rank(b.fact)
        if ra is None or rb is None:
            em.refuse("np.inner of values whose dimensions are not known", "")
        if 0 in (ra, rb):
            new = aligned([a, b], max(ra, rb), em)
            return build.code("a * b", a=new.get("a", a.node), b=new.get("b", b.node))
        la, lb = "abcdefgh"[:ra - 1], "ijklmnop"[:rb - 1]
        return einsum_call([(la + "s", a), (lb + "s", b)], la + lb)


@policy("tensordot")
class Tensordot(Policy):
    def _subs(self, site):
        ra, rb = _ranks(site, "a", "b")
        axes = static_or_default(site, "axes")
        if ra is None or rb is None or axes is NO:
            return None
        if isinstance(axes, int):
            ax_a, ax_b = list(range(ra - axes, ra)), list(range(axes))
        elif isinstance(axes, tuple) and len(axes) == 2:
            ax_a = [axes[0]] if isinstance(axes[0], int) else list(axes[0])
            ax_b = [axes[1]] if isinstance(axes[1], int) else list(axes[1])
        else:
            return None
        la = list(string.ascii_lowercase[:ra])
        lb = list(string.ascii_lowercase[ra:ra + rb])
        for i, j in zip(ax_a, ax_b):
            lb[j % rb] = la[i % ra]
        out = [c for c in la if c not in lb] + [c for c in lb if c not in la]
        return "".join(la), "".join(lb), "".join(out)

    def fact(self, site):
        subs = self._subs(site)
        return Fact(batched=site.batched, rank=None if subs is None else len(subs[2]))

    def emit(self, site, em):
        subs = self._subs(site)
        if subs is None:
            em.refuse("np.tensordot with axes that are not literal", "")
        return einsum_call([(subs[0], site.op("a")), (subs[1], site.op("b"))], subs[2])


@policy("native")
class Native(Policy):
    """Functions that already map over leading axes (np.linalg.inv, det, cholesky,
    np.tril, ...): unbatched operands are lifted so all stacks line up. `rank`: as
    for the `axes` policy; `results`: the number of results, for a tuple."""

    def fact(self, site):
        ranks = site.option("ranks")
        single = site.option("single")  # (flag, rank): one result when flag is False
        if single is not None and static_or_default(site, single[0]) is False:
            ranks = None
            return Fact(batched=site.batched, rank=rank_of(site, single[1]))
        if ranks is not None:
            return container("tuple", [Fact(batched=site.batched, rank=rank_of(site, r))
                                       for r in ranks])
        rank = rank_of(site, site.option("rank", ""))
        n = site.option("results")
        f = Fact(batched=site.batched, rank=rank)
        return container("tuple", [f] * n) if n else f

    def emit(self, site, em):
        return rebuild(site, lift_operands(site, em, site.option("lift")))


@policy("solve")
class Solve(Policy):
    """np.linalg.solve(a, b): b a vector per example is a column (NumPy reads a
    stack of vectors as a matrix)."""

    def fact(self, site):
        return Fact(batched=site.batched, rank=array_rank(site.fact("b")))

    def emit(self, site, em):
        new = lift_operands(site, em)
        b = site.op("b")
        if array_rank(b.fact) == 1:
            col = build.code("b[..., None]", b=new.get("b", b.node))
            return build.code("x[..., 0]", x=rebuild(site, {**new, "b": col}))
        return rebuild(site, new)


@policy("cross")
class Cross(Policy):
    """np.cross along the last axis: the operands broadcast like elementwise ones."""

    def fact(self, site):
        return result_fact([site.op("a"), site.op("b")])

    def emit(self, site, em):
        ops = [site.op("a"), site.op("b")]
        new = aligned(ops, self.fact(site).rank, em)
        if new is None:
            em.refuse("np.cross of values whose dimensions are not known", "")
        return rebuild(site, new)


@policy("vecdot")
class Vecdot(Policy):
    def fact(self, site):
        f = result_fact([site.op("a"), site.op("b")])
        return Fact(batched=f.batched, rank=None if f.rank is None else f.rank - 1)

    def emit(self, site, em):
        ops = [site.op("a"), site.op("b")]
        rank = result_fact(ops).rank
        new = aligned(ops, rank, em)
        if new is None:
            em.refuse("np.vecdot of values whose dimensions are not known", "")
        for o in ops:  # the axis counts the dimensions of the broadcast operands
            if not o.fact.batched:
                new[o.param] = build.helper("lift", o.node, em.batch_size(),
                                            build.lit(rank))
        if site.op("axis") is not None:
            new["axis"] = shifted(site, "axis", em, rank)
        return rebuild(site, new)
