"""What the batching compiler knows about a value: a `Fact`.

A value is *batched* when it depends on a batched argument: it then holds one entry
per example along a leading batch axis (axis 0), and its *rank* is the number of
dimensions one example has (a batched array has `rank + 1` dimensions). An
unbatched value is the same for every example and keeps its usual shape.

Ranks come from the arguments of the call the batched function is compiled for (a
batched function is specialised to the ranks of its arguments, like a C++ template
to its types): NumPy's broadcasting aligns shapes from the right, so `x * c` with
`x` of shape (B, 3) and one number per example `c` of shape (B,) must be written
`x * c[:, None]`, which needs both ranks.

    Fact(batched=True, rank=1)                  # (B, n): one vector per example
    Fact(rank=2)                                # an unbatched matrix
    Fact(kind="tuple", items=(Fact(), Fact()))  # a pair of numbers
    Fact(number=True, rank=0)                   # a literal such as 0.0 (a zero adjoint)
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

KINDS = ("array", "tuple", "list", "dict", "none", "str", "other")


@dataclass(frozen=True)
class Fact:
    batched: bool = False
    rank: int | None = 0          # dimensions of one example; None: not known
    kind: str = "array"           # "array" covers numbers, arrays and saved shapes
    dtype: str = "?"              # "b" bool, "i" integer, "f" floating, "?" not known
    number: bool = False          # a number literal: it broadcasts like any rank
    items: tuple | None = None    # tuple/list: the facts of its items, when known
    keys: tuple | None = None     # dict: ((key, fact), ...) for string keys, when known
    elem: Fact | None = None      # list: the join of its items (lists grown in loops)
    const: tuple = ()             # (value,) for a literal the source spells (axes=(0, 1))

    def __str__(self) -> str:
        if self.kind == "array":
            rank = "?" if self.rank is None else str(self.rank)
            return ("batched " if self.batched else "") + f"rank {rank}" + \
                (" number" if self.number else "")
        if self.items is not None:
            return f"{self.kind}({', '.join(str(i) for i in self.items)})"
        if self.keys is not None:
            return "dict(" + ", ".join(f"{k}: {f}" for k, f in self.keys) + ")"
        if self.elem is not None:
            return f"{self.kind} of {self.elem}"
        return ("batched " if self.batched else "") + self.kind


UNKNOWN = Fact(rank=None, kind="other")
NONE = Fact(kind="none", rank=None)
NUMBER = Fact(number=True)


def array(batched: bool, rank, dtype: str = "?") -> Fact:
    return Fact(batched=batched, rank=rank, dtype=dtype)


def container(kind: str, items) -> Fact:
    items = tuple(items)
    return Fact(batched=any(i.batched for i in items), rank=None, kind=kind, items=items,
                elem=_join_all(items))


def _join_all(facts):
    out = None
    for f in facts:
        out = f if out is None else join(out, f)
    return out


def join(a: Fact | None, b: Fact | None) -> Fact | None:
    """The fact of a value that is `a` on one path and `b` on another (None: the
    variable is not assigned on that path)."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    if a.const or b.const:
        return join(replace(a, const=()), replace(b, const=()))
    if a.kind == "none":
        return replace(b, batched=b.batched)
    if b.kind == "none":
        return a
    if a.kind != b.kind:
        return Fact(batched=a.batched or b.batched, rank=None, kind="other")
    batched = a.batched or b.batched
    if a.kind == "array":
        if a.rank == b.rank or b.number:
            rank = a.rank
        elif a.number:
            rank = b.rank
        else:
            rank = None
        dtype = a.dtype if a.dtype == b.dtype else "?"
        return Fact(batched=batched, rank=rank, dtype=dtype, number=a.number and b.number)
    items = None
    if a.items is not None and b.items is not None and len(a.items) == len(b.items):
        items = tuple(join(x, y) for x, y in zip(a.items, b.items))
    keys = None
    if a.keys is not None and b.keys is not None and [k for k, _ in a.keys] == \
            [k for k, _ in b.keys]:
        keys = tuple((k, join(x, y)) for (k, x), (_, y) in zip(a.keys, b.keys))
    return Fact(batched=batched, rank=None, kind=a.kind, items=items, keys=keys,
                elem=join(a.elem, b.elem))


def mirror(f: Fact, batched: bool) -> Fact:
    """A value shaped like `f` (an adjoint like its value, item by item), batched or
    not as `batched` says."""
    if f.kind in ("list", "tuple") and f.items is not None:
        return container(f.kind, [mirror(i, batched) for i in f.items])
    if f.kind in ("list", "tuple"):
        return Fact(batched=batched, rank=None, kind=f.kind,
                    elem=None if f.elem is None else mirror(f.elem, batched))
    return Fact(batched=batched, rank=f.rank)


def batched_copy(f: Fact) -> Fact:
    """The fact of `f` once it is made batched (a lift)."""
    if f.kind == "array":
        return replace(f, batched=True, number=False)
    if f.items is not None:
        return container(f.kind, [batched_copy(i) for i in f.items])
    return replace(f, batched=True)


# ---- the facts of actual arguments ---------------------------------------------------
def of_value(value, batched: bool = False, depth: int = 0) -> Fact:
    """The fact of an argument (batched ones already have their batch axis first)."""
    if value is None:
        return NONE
    if isinstance(value, str):
        return Fact(kind="str", rank=None)
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        return Fact(batched=batched, rank=0, dtype=_dtype(np.asarray(value).dtype))
    if isinstance(value, np.ndarray):
        return Fact(batched=batched, rank=value.ndim - (1 if batched else 0),
                    dtype=_dtype(value.dtype))
    if isinstance(value, (tuple, list)) and depth < 3 and len(value) <= 64:
        kind = "tuple" if isinstance(value, tuple) else "list"
        return container(kind, [of_value(v, batched, depth + 1) for v in value])
    if isinstance(value, dict) and depth < 3 and len(value) <= 64 \
            and all(isinstance(k, str) for k in value):
        keys = tuple((k, of_value(v, batched, depth + 1)) for k, v in value.items())
        return Fact(batched=batched, rank=None, kind="dict", keys=keys)
    if hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, type):
        return Fact(batched=batched, rank=len(value.shape) - (1 if batched else 0))
    return UNKNOWN if not batched else replace(UNKNOWN, batched=True)


def _dtype(dtype) -> str:
    kind = np.dtype(dtype).kind
    return {"b": "b", "i": "i", "u": "i", "f": "f"}.get(kind, "?")
