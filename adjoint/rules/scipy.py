"""Rules for `scipy.special`, registered only when SciPy is installed (optional).

Derivatives that need another special function call `rt.digamma`/`rt.polygamma`,
whose own rules (for higher derivatives) are at the end of this file.
"""
try:
    import scipy.special as sp
except ImportError:  # SciPy is an optional extra: no rules, nothing else changes
    sp = None

from .. import runtime as rt
from .registry import binary, defrule, nondiff, unary


def _name(fn):
    return f"scipy.special.{fn.__name__}"


def _u(fn, derivative):
    unary(fn, derivative, name=_name(fn))


def _b(fn, da, db):
    binary(fn, da, db, name=_name(fn))


if sp is not None:
    # ---- elementwise: sigmoid family, error functions, normal distribution ---
    _u(sp.expit, "ans * (1.0 - ans)")
    _u(sp.log_expit, "1.0 - np.exp(ans)")
    _u(sp.logit, "1.0 / (x * (1.0 - x))")
    _u(sp.erf, "2.0 / math.sqrt(math.pi) * np.exp(-x * x)")
    _u(sp.erfc, "-2.0 / math.sqrt(math.pi) * np.exp(-x * x)")
    _u(sp.erfcx, "2.0 * x * ans - 2.0 / math.sqrt(math.pi)")
    _u(sp.erfinv, "math.sqrt(math.pi) / 2.0 * np.exp(ans * ans)")
    _u(sp.erfcinv, "-math.sqrt(math.pi) / 2.0 * np.exp(ans * ans)")
    _u(sp.ndtr, "np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)")
    _u(sp.log_ndtr, "np.exp(-0.5 * x * x - ans) / math.sqrt(2.0 * math.pi)")
    _u(sp.ndtri, "math.sqrt(2.0 * math.pi) * np.exp(0.5 * ans * ans)")
    if hasattr(sp, "softplus"):  # SciPy >= 1.15
        _u(sp.softplus, "1.0 - np.exp(-ans)")

    # ---- elementwise: gamma family -------------------------------------------
    _u(sp.gammaln, "rt.digamma(x)")
    _u(sp.loggamma, "rt.digamma(x)")
    _u(sp.gamma, "ans * rt.digamma(x)")
    _u(sp.digamma, "rt.polygamma(1, x)")       # sp.psi is sp.digamma
    defrule(sp.polygamma, "n, x", x="g * rt.polygamma(n + 1, x)",
            jvp={"x": "dx * rt.polygamma(n + 1, x)"}, name=_name(sp.polygamma))
    _b(sp.betaln, "rt.digamma(a) - rt.digamma(a + b)", "rt.digamma(b) - rt.digamma(a + b)")
    _b(sp.beta, "ans * (rt.digamma(a) - rt.digamma(a + b))",
       "ans * (rt.digamma(b) - rt.digamma(a + b))")

    # ---- elementwise: accurate versions of elementary functions --------------
    _u(sp.expm1, "ans + 1.0")
    _u(sp.log1p, "1.0 / (1.0 + x)")
    _u(sp.exp2, "ans * math.log(2.0)")
    _u(sp.exp10, "ans * math.log(10.0)")
    _u(sp.cbrt, "1.0 / (3.0 * ans * ans)")
    _u(sp.cosm1, "-np.sin(x)")
    _u(sp.entr, "-np.log(x) - 1.0")
    _b(sp.xlogy, "np.log(b)", "a / b")
    _b(sp.xlog1py, "np.log1p(b)", "a / (1.0 + b)")
    _b(sp.rel_entr, "np.log(a / b) + 1.0", "-a / b")
    _b(sp.kl_div, "np.log(a / b)", "1.0 - a / b")

    # ---- reductions and normalisations ---------------------------------------
    defrule(sp.logsumexp, "a, axis=None, b=None, keepdims=False",
            a="rt.logsumexp_grad(g, a, ans, axis, b, keepdims)",
            b="rt.unbroadcast(rt.logsumexp_grad(g, a, ans, axis, None, keepdims), b)",
            jvp={"a": "rt.reduce_jvp(rt.logsumexp_grad(np.ones_like(ans), a, ans, axis, b, "
                      "keepdims), da, axis, keepdims)",
                 "b": "rt.reduce_jvp(rt.logsumexp_grad(np.ones_like(ans), a, ans, axis, "
                      "None, keepdims), db, axis, keepdims)"}, name=_name(sp.logsumexp))
    defrule(sp.softmax, "x, axis=None",
            x="ans * (g - np.sum(g * ans, axis=axis, keepdims=True))",
            jvp={"x": "ans * (dx - np.sum(dx * ans, axis=axis, keepdims=True))"},
            name=_name(sp.softmax))
    defrule(sp.log_softmax, "x, axis=None",
            x="g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True)",
            jvp={"x": "dx - np.sum(np.exp(ans) * dx, axis=axis, keepdims=True)"},
            name=_name(sp.log_softmax))

    # ---- the runtime helpers these rules call --------------------------------
    defrule(rt.digamma, "x", x="g * rt.polygamma(1, x)",
            jvp={"x": "dx * rt.polygamma(1, x)"}, name="rt.digamma")
    defrule(rt.polygamma, "n, x", x="g * rt.polygamma(n + 1, x)",
            jvp={"x": "dx * rt.polygamma(n + 1, x)"}, name="rt.polygamma")

    nondiff(*[getattr(sp, n) for n in ("factorial", "comb", "perm") if hasattr(sp, n)])
