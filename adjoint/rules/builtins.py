"""Rules for Python builtins used on numbers (`abs`, `pow`, `float`, `len`, ...)."""
import builtins

from .registry import binary, defrule, method, nondiff, unary

unary(builtins.abs, "rt.sign(x)", name="abs")
binary(builtins.pow, "b * a ** (b - 1 + (b == 0))", "rt.log_or_zero(a) * ans", name="pow")
binary(builtins.max, "a >= b", "a < b", name="max")   # max(a, b) of two numbers
binary(builtins.min, "a <= b", "a > b", name="min")
defrule(builtins.float, "x", x="g", jvp={"x": "dx"}, name="float")
defrule(builtins.sum, "xs, start=0", xs="rt.sum_list_grad(g, xs)",
        start="rt.unbroadcast(g, start)", jvp={"xs": "sum(dxs)", "start": "dstart"},
        name="sum")   # sum(list): every element gets g

nondiff(len, range, int, bool, isinstance, round, print, enumerate, zip)
# str methods (no array has them): a dict key's k.startswith("W") carries no gradient
for _name in ("startswith", "endswith", "lower", "upper", "strip", "lstrip", "rstrip",
              "isdigit", "isalpha", "isalnum", "isspace", "format", "join", "split",
              "replace", "casefold", "title", "capitalize", "count", "find", "index"):
    nondiff(getattr(str, _name))
    method(_name, getattr(str, _name))
# divmod(a, b) = (a // b, a % b): only the remainder carries a gradient.
defrule(builtins.divmod, "a, b", a="rt.unbroadcast(g[1], a)",
        b="rt.unbroadcast(-g[1] * np.floor(a / b), b)",
        jvp={"a": "(0.0 * ans[0], da + 0.0 * ans[1])",
             "b": "(0.0 * ans[0], -db * np.floor(a / b))"}, name="divmod")
