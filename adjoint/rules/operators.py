"""Rules for Python's operators (`a + b`, `-x`, `a @ b`, `x[i]`, `x.T`)."""
import operator

from .registry import Rule, attribute, binary, defrule, nondiff, parse_signature

# ---- arithmetic --------------------------------------------------------------
binary(operator.add, "1", "1")
binary(operator.sub, "1", "-1")
binary(operator.mul, "b", "a")
binary(operator.truediv, "1.0 / b", "-ans / b")
binary(operator.pow, "b * a ** (b - 1 + (b == 0))", "rt.log_or_zero(a) * ans")
binary(operator.mod, "1", "-np.floor(a / b)")  # as np.remainder (Python's % floors)
# `x * x`, one variable by itself: one adjoint term instead of two (g * x + g * x),
# chosen by classify for that form (not registered: `*` of two values keeps mul's)
SQUARE = Rule(operator.mul, "operator.mul", parse_signature("x"), {"x": "g * (2 * x)"},
              {"x": "dx * (2 * x)"}, False, True)
defrule(operator.neg, "x", x="-g", jvp={"x": "-dx"})
defrule(operator.pos, "x", x="g", jvp={"x": "dx"})

# ---- linear algebra ----------------------------------------------------------
defrule(operator.matmul, "a, b", a="rt.matmul_ga(g, a, b)", b="rt.matmul_gb(g, a, b)",
        jvp={"a": "da @ b", "b": "a @ db"})

# ---- indexing and attributes -------------------------------------------------
defrule(operator.getitem, "x, index", x="rt.getitem_grad(g, x, index)",
        jvp={"x": "dx[index]"})
attribute("T", vjp="g.T", jvp="dself.T")

# ---- comparisons and integer arithmetic carry no gradient --------------------
nondiff(operator.floordiv, operator.eq, operator.ne, operator.lt,
        operator.le, operator.gt, operator.ge, operator.not_, operator.and_,
        operator.or_, operator.xor, operator.invert, operator.lshift, operator.rshift)
