"""Rules for the `math` module (Python floats), one line per function."""
import math

from .registry import binary, defrule, nondiff, unary

# ---- trigonometric and hyperbolic --------------------------------------------
unary(math.sin, "math.cos(x)")
unary(math.cos, "-math.sin(x)")
unary(math.tan, "1.0 + ans * ans")
unary(math.asin, "1.0 / math.sqrt(1.0 - x * x)")
unary(math.acos, "-1.0 / math.sqrt(1.0 - x * x)")
unary(math.atan, "1.0 / (1.0 + x * x)")
unary(math.sinh, "math.cosh(x)")
unary(math.cosh, "math.sinh(x)")
unary(math.tanh, "1.0 - ans * ans")
unary(math.asinh, "1.0 / math.sqrt(x * x + 1.0)")
unary(math.acosh, "1.0 / math.sqrt(x * x - 1.0)")
unary(math.atanh, "1.0 / (1.0 - x * x)")
unary(math.degrees, "180.0 / math.pi")
unary(math.radians, "math.pi / 180.0")

# ---- exponentials, logarithms, powers ----------------------------------------
unary(math.exp, "ans")
unary(math.expm1, "ans + 1.0")
defrule(math.log, "x, base=math.e", x="g / (x * math.log(base))",
        base="-g * ans / (base * math.log(base))",
        jvp={"x": "dx / (x * math.log(base))", "base": "-dbase * ans / (base * math.log(base))"})
unary(math.log2, "1.0 / (x * math.log(2.0))")
unary(math.log10, "1.0 / (x * math.log(10.0))")
unary(math.log1p, "1.0 / (1.0 + x)")
unary(math.sqrt, "0.5 / ans")
if hasattr(math, "exp2"):  # Python >= 3.11
    unary(math.exp2, "ans * math.log(2.0)")
    unary(math.cbrt, "1.0 / (3.0 * ans * ans)")
unary(math.fabs, "math.copysign(1.0, x)")
unary(math.erf, "2.0 / math.sqrt(math.pi) * math.exp(-x * x)")
unary(math.erfc, "-2.0 / math.sqrt(math.pi) * math.exp(-x * x)")

# ---- two arguments -----------------------------------------------------------
binary(math.pow, "b * math.pow(a, b - 1 + (b == 0))", "rt.log_or_zero(a) * ans")
binary(math.atan2, "b / (a * a + b * b)", "-a / (a * a + b * b)")
binary(math.hypot, "a / ans", "b / ans")
binary(math.copysign, "math.copysign(1.0, a) * math.copysign(1.0, ans)", None)
binary(math.fmod, "1", "-math.trunc(a / b)")

# ---- no gradient -------------------------------------------------------------
nondiff(math.floor, math.ceil, math.trunc, math.isfinite, math.isnan, math.isinf,
        math.isclose, math.factorial, math.gcd, math.comb, math.perm)
