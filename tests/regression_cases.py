"""Functions for test_regressions.py: each shows a bug of issue #15's classes (callees
recognised by name, values re-derived instead of recorded, zeros without a shape)."""
import functools
import math

import numpy as np

import adjoint


# ---- the builtin sum of a list of arrays is an array, not a NumPy reduction ---------
def builtin_sum_of_arrays(u):
    t = sum([u, u])
    return np.sum(np.mean(u) * t)


def builtin_sum_item(u):
    t = sum([u, u])
    return np.sum(t[0] * t)


def builtin_sum_of_numbers(a, b):
    xs = [a * b, a]
    for k in range(3):
        xs.append(b * k)
    return sum(xs) * xs[0] + xs[1]


def reduction_keepdims(A, c):
    s = np.sum(A, keepdims=True)
    return np.sum(s * A[0]) + c * c


# ---- a helper's values are the ones its forward computed ----------------------------
def helper_rebinds_after_view(p):
    t = p.T * p.T
    p = p + 1.0
    return np.sum(t) + np.sum(p)


def calls_helper_rebinding(A):
    return helper_rebinds_after_view(A)


# ---- a zero adjoint has the shape of its value --------------------------------------
def zero_reaches_sum_axis(A, a):
    s = 0.0
    t = np.sum(A, axis=1)
    if a > 0:
        s = np.sum(t * t)
    return s + np.sum(A)


def zero_reaches_outer(u, a):
    s = 0.0
    t = np.outer(u, u[:2])
    if a > 0:
        s = np.sum(t * t)
    return s + np.sum(u)


def zero_times_vector_then_item(A, u):
    s = 0.0
    for i in range(2):
        s = s + A[1, 2]
        A = A * u
    return s


def zero_shaped_before_branch(X, c):
    y = np.sum(X, axis=0)
    if c > 0:
        y = X * 2.0
    return np.sum(y * y)


def zero_filled_each_pass(A, n):
    y = A
    for i in range(n):
        t = np.sum(y, axis=1)
        y = y * 0.5
    return np.sum(t * t) + np.sum(y)


def _descend_helper(p):
    return p[0] * p[0] + p[1] * p[1]


_helper_grad = adjoint.grad(_descend_helper)


def zero_into_helper_result(p):
    g = _helper_grad(p)
    for i in range(2):
        p = p - 0.1 * g
        g = _helper_grad(p)  # the last g is never read
    return np.sum(p)


# ---- a decorated function is what its wrapper computes ------------------------------
def doubled(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return 2.0 * fn(*args, **kwargs)
    return wrapper


def shifted(fn):
    @functools.wraps(fn)
    def wrapper(x, *args):
        return fn(x + 1.0, *args)
    return wrapper


@doubled
def decorated_square(x):
    return x * x


@doubled
def decorated_with_defaults(x, w=3.0, *, scale=0.5):
    return scale * np.sum(w * x ** 3)


@shifted
@doubled
def decorated_twice(x, a):
    return np.sin(a * x)


@doubled
def _decorated_helper(v):
    return np.sum(np.tanh(v))


def calls_decorated_helper(v):
    return _decorated_helper(v * v) + np.sum(v)


def reads_star_args(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args) * len(args)
    return wrapper


@reads_star_args
def decorated_reading_args(x):
    return x * x


@functools.lru_cache(maxsize=None)
def cached_cube(x):
    return x * x * x


# ---- a function passed as an argument is differentiated through ---------------------
def apply(f, x):
    return f(x)


def with_lambda(a, x):
    return apply(lambda y: a * y, x)


def with_named_lambda(a, x):
    h = lambda y: a * y  # noqa: E731
    return apply(h, x)


def with_nested_def(a, x):
    def h(y):
        return a * y

    return apply(h, x)


def rk4_step(f, y, h):
    k1 = f(y)
    k2 = f(y + 0.5 * h * k1)
    k3 = f(y + 0.5 * h * k2)
    k4 = f(y + h * k3)
    return y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def integrate(f, y0, h, n):
    y = y0
    for i in range(n):
        y = rk4_step(f, y, h)
    return y


def decay_final(k, y0):
    def rhs(y):
        return -k * y + 0.1 * np.sin(y)

    y = integrate(rhs, y0, 0.1, 5)
    return np.sum(y * y)


def global_rhs(y):
    return -0.5 * y * y


def integrate_module_function(y0):
    return np.sum(integrate(global_rhs, y0, 0.1, 4))


def minimize(objective_grad, x0, lr, steps):
    x = x0
    for i in range(steps):
        x = x - lr * objective_grad(x)
    return x


def fitted_minimum(theta, x0):
    x = minimize(lambda v: 2.0 * (v - theta) + 0.1 * v ** 3, x0, 0.1, 8)
    return np.sum(x ** 2)


def trapezoid(f, a, b, n):
    h = (b - a) / n
    s = 0.5 * (f(a) + f(b))
    for i in range(1, n):
        s = s + f(a + i * h)
    return s * h


def gaussian_area(c):
    return trapezoid(lambda t: np.exp(-c * t * t), 0.0, 1.0, 16)


def sine_area(c):
    return trapezoid(np.sin, 0.0, c, 12) * c


def constant_area(x):
    c = trapezoid(lambda t: t * t, 0.0, 1.0, 10)  # nothing differentiated flows in
    return x * c


def sibling_capture(x):
    b = x * 2.0

    def g(t):
        return t * b

    def h(t):
        return g(t) + t

    return h(x)


def sibling_inactive(x):
    b = 2.0

    def g(t):
        return t * b

    def h(t):
        return g(t) + t

    c = h(3.0)
    return x * c


def _double(y):
    return 2.0 * y


def _square(y):
    return y * y


FUNCTIONS = {"double": _double, "square": _square}


def picked_at_run_time(x, key):
    fn = FUNCTIONS[key]
    return apply(fn, x)


# ---- a * a stays a product -----------------------------------------------------------
def square_by_product(x):
    y = x * x
    return y * 0.5 + x


# ---- a gradient differentiated again: its helpers' tapes are left as they were -------
C2 = np.array([-0.97, 0.18])


def _pushes_in_a_loop(p2, p3):
    y = (0.17 * C2).copy()
    for i in range(3):
        y[:2] += 0.5
    return p2 * 0.5


def helper_tape_popped_twice(a, b):
    xs = [_pushes_in_a_loop(a, np.full((2,), b)), b]
    b, a = a, b
    return np.sum(xs[1])


def dict_entry_overwritten(W, a):
    d = {"c": 0.5, "w": np.tile(a, 2) * W[0, 0]}
    d["w"] = 0.5
    return d["c"] * a + np.sum(W)


# ---- a helper is never let change its caller's arrays ---------------------------------
def _bump(q, p):
    q += p
    return np.sum(q)


def dead_helper_updating_its_argument(x, y):
    _ = _bump(y, x)  # the result is never read
    return np.sum(x * y)


def _overwrite_first(q, v):
    q[0] = v
    return 0.0


def dead_helper_writing_an_input(x, y):
    _ = _overwrite_first(y, 1.0)
    return np.sum(x * y)


def _early_return_in_loop(p):
    for t in p:
        if t > 5.0:
            return (t, 2.0)
    return (np.mean(p), 2.0)


def helper_gradient_dead_in_second_order(a, z):
    s = 1.0
    xs = [_early_return_in_loop(a * C2)[1] for k in range(2)]
    v = -(z * C2)
    if a > -0.37:
        for i, t in enumerate(xs):
            s = math.atan(v.sum())
    else:
        a, z = z, 0.5
    return np.sum(xs[1] * 2) + s


def einsum_entry_overwritten(W):
    d = {"a": np.einsum("ij,j->i", W, W[0]), "b": 0.5 * np.sum(W)}
    d["a"] = 0.5
    return d["b"] ** 2


# ---- a list's zero adjoint is shaped like the list it stands for ----------------------
def popped_from_a_literal(p):
    xs = [0.5, 0.58, np.linalg.det(p + np.eye(3))]
    s = xs.pop()
    return s * 2.0 + xs[1]


def popped_then_sine(a):
    xs = [0.5, 0.5, a]
    s = xs.pop()
    return math.sin(s)


def _negated_argument(f, y):
    def neg(x):  # (its x is not the x `cost` below captures)
        return -f(x)

    return apply(neg, y)


def passed_on_inside_a_nested_def(x, y):
    def cost(t):
        return x * t * t

    return _negated_argument(cost, y)
