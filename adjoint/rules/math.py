"""Rules for the `math` module (scalars)."""
import math

from .registry import binary, nondiff, unary

unary(math.sin, "math.cos(x)")
unary(math.cos, "-math.sin(x)")
unary(math.tan, "1.0 + ans * ans")
unary(math.exp, "ans")
unary(math.log, "1.0 / x")
unary(math.sqrt, "0.5 / ans")
unary(math.tanh, "1.0 - ans * ans")
binary(math.pow, "b * a ** (b - 1)", "rt.log_or_zero(a) * ans", signature="a, b")

nondiff(math.floor, math.ceil, math.isfinite, math.isnan)
