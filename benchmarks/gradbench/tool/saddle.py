"""saddle: min over x of max over y of f(x, y) = (x_0^2 + x_1^2) - (y_0^2 + y_1^2), both by
gradient descent from the same start. The outer descent needs the gradient (in x) of
x -> max_y f(x, y), which differentiates through the inner descent: nested AD.

ff, fr, rf, rr: the first letter is the outer derivative's mode, the second the inner's
(f: adjoint.jvp, one sweep per component; r: adjoint.grad).
"""
import numpy as np

import adjoint

from .gd import multivariate_argmax, multivariate_argmin, multivariate_max
from .protocol import multiple_runs


def f(x, y):
    return (x[0] ** 2 + x[1] ** 2) - (y[0] ** 2 + y[1] ** 2)


df_dy_r = adjoint.grad(f, wrt="y")
f_jvp_y = adjoint.jvp(f, wrt="y")


def df_dy_f(x, y):
    return np.array([f_jvp_y(x, y, np.array([1.0, 0.0]))[1],
                     f_jvp_y(x, y, np.array([0.0, 1.0]))[1]])


def max_over_y_r(x, start):
    def cost(y):
        return f(x, y)

    def gradient(y):
        return df_dy_r(x, y)

    return multivariate_max(cost, gradient, start)


def max_over_y_f(x, start):
    def cost(y):
        return f(x, y)

    def gradient(y):
        return df_dy_f(x, y)

    return multivariate_max(cost, gradient, start)


inner = {"r": max_over_y_r, "f": max_over_y_f}


def outer_gradient(modes):
    max_over_y = inner[modes[1]]
    if modes[0] == "r":
        return adjoint.grad(max_over_y, wrt="x")
    jvp = adjoint.jvp(max_over_y, wrt="x")

    def gradient(x, start):
        return np.array([jvp(x, start, np.array([1.0, 0.0]))[1],
                         jvp(x, start, np.array([0.0, 1.0]))[1]])
    return gradient


def solve(start, modes):
    max_over_y = inner[modes[1]]
    gradient = outer_gradient(modes)
    x = multivariate_argmin(lambda x: max_over_y(x, start),
                            lambda x: gradient(x, start), start)
    df_dy = df_dy_r if modes[0] == "r" else df_dy_f
    y = multivariate_argmax(lambda y: f(x, y), lambda y: df_dy(x, y), start)
    return np.concatenate([x, y])


def prepare(raw):
    return np.array(raw["start"], dtype=np.float64)


@multiple_runs(pre=prepare, post=lambda xy: xy.tolist())
def rr(start):
    return solve(start, "rr")


@multiple_runs(pre=prepare, post=lambda xy: xy.tolist())
def rf(start):
    return solve(start, "rf")


@multiple_runs(pre=prepare, post=lambda xy: xy.tolist())
def fr(start):
    return solve(start, "fr")


@multiple_runs(pre=prepare, post=lambda xy: xy.tolist())
def ff(start):
    return solve(start, "ff")
