"""Functions for test_regressions.py: each shows a bug of issue #15's classes (callees
recognised by name, values re-derived instead of recorded, zeros without a shape)."""
import numpy as np


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
