"""fuse.py, the version for numbers' last pass: before/after text of small bodies,
and gradients of functions it rewrites against finite differences."""
import math
import textwrap

import gast
import pytest

import adjoint
from adjoint.codegen import ir
from adjoint.optimize import fuse
from adjoint.codegen.emit import strip_comments
from adjoint.codegen.marks import Made
from conftest import assert_grad_matches


def fused(text: str, keep=None) -> str:
    """The body after the pass; names not starting with `_` are the user's (kept).
    The compiler's marks say that `bs` is assigned by the seed (in one case)."""
    fn = gast.parse(textwrap.dedent(text)).body[0]
    if keep is None:
        keep = {n.id for n in ir.nodes(fn) if isinstance(n, gast.Name)
                and not n.id.startswith("_")}
    fuse.run(fn, lambda call: False, set(keep), Made(seed="bs"))
    fn.body = strip_comments(fn.body)
    return "\n".join(ir.unparse(s) for s in fn.body)


def lines(text: str) -> str:
    return textwrap.dedent(text).strip()


@pytest.mark.parametrize("before,after", [
    # a chain of temporaries read once becomes one expression
    ("""
     def f(x, a):
         _t1 = math.sin(x)
         _t2 = _t1 * a
         y = _t2 + 0.1
         return y
     """, """
     y = math.sin(x) * a + 0.1
     return y"""),
    # a flag read once goes into its `if`
    ("""
     def f(x):
         _t1 = x > 0.5
         if _t1:
             x = x * 2
         return x
     """, """
     if x > 0.5:
         x = x * 2
     return x"""),
    # read twice: stays
    ("""
     def f(x):
         _t1 = math.exp(x)
         return _t1 * _t1
     """, """
     _t1 = math.exp(x)
     return _t1 * _t1"""),
    # an operand changes before the reader: stays
    ("""
     def f(x, a):
         _t1 = a * x
         a = 2.0
         return _t1 + a
     """, """
     _t1 = a * x
     a = 2.0
     return _t1 + a"""),
    # read inside a branch: stays (the branch may not run)
    ("""
     def f(x, c):
         _t1 = math.log(x)
         if c:
             x = _t1
         return x
     """, """
     _t1 = math.log(x)
     if c:
         x = _t1
     return x"""),
    # the next pass of a loop reads it: stays
    ("""
     def f(x):
         _t1 = 0.0
         for i in range(3):
             x = x + _t1
             _t1 = math.sin(x)
         return x
     """, """
     _t1 = 0.0
     for i in range(3):
         x = x + _t1
         _t1 = math.sin(x)
     return x"""),
    # the seed is where the adjoint sweep starts: nothing crosses it
    ("""
     def f(x, *, grad_out=None):
         _t1 = x * x
         bs = 1.0 if grad_out is None else grad_out
         return bs * _t1
     """, """
     _t1 = x * x
     bs = 1.0 if grad_out is None else grad_out
     return bs * _t1"""),
])
def test_fusion(before, after):
    assert fused(before) == lines(after)


def test_user_names_are_kept():
    src = """
     def f(x):
         y = x * 2.0
         return y + 1.0
     """
    assert fused(src, keep={"y"}) == lines("""
     y = x * 2.0
     return y + 1.0""")
    assert fused(src, keep=set()) == "return x * 2.0 + 1.0"


def test_two_ifs_on_one_flag_merge_when_nothing_between_depends_on_them():
    assert fused("""
     def f(x, c, g):
         if c:
             s = math.sin(x)
         else:
             s = math.cos(x)
         e = math.exp(x)
         g = g + e
         if c:
             g = g * s
         return g
     """) == lines("""
     e = math.exp(x)
     g = g + e
     if c:
         s = math.sin(x)
         g = g * s
     return g""")  # (the else branch's s is read by nothing any more)


@pytest.mark.parametrize("first", [
    "s = math.sin(x)\n         else:\n             s = 1.0",  # a statement between reads s
    "c = x > 1.0",  # the first `if` changes its own flag
])
def test_ifs_stay_apart(first):
    out = fused(f"""
     def f(x, c, g):
         s = 0.0
         if c:
             {first}
         g = g + s + x
         if c:
             g = g * x
         return g
     """)
    assert out.count("if c:") == 2


def test_updates_of_one_line_become_one_statement():
    fn = gast.parse(textwrap.dedent("""
     def f(b, u, v):
         b += u * 2.0
         b -= v
         return b
     """)).body[0]
    for s in fn.body[:2]:
        s.lineno = 7  # (from one line of the user's)
    fuse.run(fn, lambda call: False, {"b", "u", "v"})
    assert ir.unparse(fn.body[0]) == "b = b + u * 2.0 - v"  # ((b + u*2) - v: same order)


def test_a_copy_both_branches_begin_with_moves_before_the_if():
    assert fused("""
     def f(_x, b, a):
         if _x > 0.5:
             x = _x
             b = b * math.cos(_x)
         else:
             a = a + b
             x = _x
             b = b * x
         return (x, a, b)
     """, keep={"x", "a", "b"}) == lines("""
     x = _x
     if _x > 0.5:
         b = b * math.cos(_x)
     else:
         a = a + b
         b = b * x
     return (x, a, b)""")


# ---- gradients of rewritten functions --------------------------------------------

def reused_temp(x, a):
    t = math.sin(x) * a
    u = t * t + math.exp(-x * a)
    return u * t


def augmented(x, y):
    s = x
    s += y * x
    s -= math.cos(y)
    s *= x
    return s


def loop_with_flags(x, a):
    acc = 0.0
    for i in range(20):
        flag = x > 0.2
        if flag:
            x = x * a - 0.05
        else:
            x = x + a * 0.3
        if flag:
            acc = acc + math.sqrt(x * x + 1.0)
    return acc


@pytest.mark.parametrize("fn,args", [
    (reused_temp, (0.4, 1.3)), (augmented, (0.7, -0.4)),
    (loop_with_flags, (0.9, 0.8)), (loop_with_flags, (0.1, 0.4)),
])
def test_gradients_after_fusion(fn, args):
    assert_grad_matches(adjoint.grad(fn, wrt=(0, 1)), fn, args, wrt=(0, 1))
    value, _ = adjoint.value_and_grad(fn, wrt=(0, 1))(*args)
    assert value == pytest.approx(fn(*args), rel=1e-14)


def test_an_update_joins_only_an_assignment_to_the_same_name():
    fn = gast.parse(textwrap.dedent("""
     def f(q, x, v):
         p = q + x
         q += v
         return p * q
     """)).body[0]
    for s in fn.body[:2]:
        s.lineno = 7
    fuse.run(fn, lambda call: False, {"p", "q", "x", "v"})
    assert [ir.unparse(s) for s in fn.body] == ["p = q + x", "q += v", "return p * q"]
    fn.body[:2] = gast.parse("q = q + x\nq += v").body
    for s in fn.body[:2]:
        s.lineno = 7
    fuse.run(fn, lambda call: False, {"p", "q", "x", "v"})
    assert ir.unparse(fn.body[0]) == "q = q + x + v"
