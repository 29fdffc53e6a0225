"""Functions with gradients of their own (adjoint.custom_gradient), for
test_custom_gradient.py. Each rule is checked there against finite differences of
the function itself, never against adjoint's own derivative of it."""
import math

import numpy as np

import adjoint


# ---- a black box: Newton's method under np.vectorize (no rule, no source adjoint reads)
def _newton(a):
    x = a / 2.0
    for _ in range(60):
        x = x - (x ** 3 + x - a) / (3 * x ** 2 + 1)
    return x


@adjoint.custom_gradient
def cubic_root(a):
    """The x with x**3 + x = a (implicit: dx/da = 1 / (3 x**2 + 1))."""
    return np.vectorize(_newton)(a)


@cubic_root.defvjp
def cubic_root_vjp(g, ans, a):
    return g / (3 * ans ** 2 + 1)


@adjoint.custom_gradient
def cubic_root_fwd(a):
    return np.vectorize(_newton)(a)


@cubic_root_fwd.defvjp
def backward(g, ans, a):  # the same name as test_custom_gradient.backward
    return g / (3 * ans ** 2 + 1)


@cubic_root_fwd.defjvp
def cubic_root_fwd_jvp(da, ans, a):
    return da / (3 * ans ** 2 + 1)


# ---- a readable function with a better gradient: the norm, at zero ---------------
@adjoint.custom_gradient
def norm(x):
    return np.sqrt(np.sum(x * x))


@norm.defvjp
def norm_vjp(g, ans, x):
    if ans > 0.0:
        return g * x / ans
    return 0.0 * x  # the derived rule divides 0 by 0 here


# ---- several parameters, both rules, an option -----------------------------------
@adjoint.custom_gradient(nondiff="how")
def weighted(a, b, how="product"):
    return a * b if how == "product" else a + b


@weighted.defvjp
def weighted_vjp(g, ans, a, b, how="product"):
    if how == "product":
        return g * b, g * a
    return g, g


@weighted.defjvp
def weighted_jvp(da, db, ans, a, b, how="product"):
    if how == "product":
        return da * b + a * db
    return da + db


# ---- a tuple result --------------------------------------------------------------
@adjoint.custom_gradient
def polar(x, y):
    return math.hypot(x, y), math.atan2(y, x)


@polar.defvjp
def polar_vjp(g, ans, x, y):
    r = ans[0]
    gr, gt = g
    return gr * x / r - gt * y / r ** 2, gr * y / r + gt * x / r ** 2


@polar.defjvp
def polar_jvp(dx, dy, ans, x, y):
    r = ans[0]
    return (x * dx + y * dy) / r, (x * dy - y * dx) / r ** 2


# ---- three parameters, two differentiated: one call, indexed ------------------------
@adjoint.custom_gradient
def affine(a, b, c):
    return a * b + c


@affine.defvjp
def affine_vjp(g, ans, a, b, c):
    return g * b, g * a, g
