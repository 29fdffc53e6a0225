"""ode: y' = f(x, y) with f_0 = x_0 and f_i = x_i y_{i-1}, y(0) = 0, solved by s steps of
classic Runge-Kutta up to t = 2 (cmpad's an_ode); the gradient is that of the last entry
of y(2) with respect to x."""
import numpy as np

import adjoint

from .protocol import multiple_runs


def ode_fun(x, y):
    return np.concatenate([x[:1], x[1:] * y[:-1]])


def runge_kutta(x, y, tf, s):
    h = tf / s
    for _ in range(s):
        k1 = ode_fun(x, y)
        k2 = ode_fun(x, y + h / 2 * k1)
        k3 = ode_fun(x, y + h / 2 * k2)
        k4 = ode_fun(x, y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


def ode(x, s):
    return runge_kutta(x, np.zeros_like(x), 2.0, s)


def ode_last(x, s):
    return ode(x, s)[-1]


dode_last = adjoint.grad(ode_last, wrt="x")


def prepare(raw):
    return np.array(raw["x"], dtype=np.float64), raw["s"]


@multiple_runs(pre=prepare, post=lambda y: y.tolist())
def primal(args):
    return ode(*args)


@multiple_runs(pre=prepare, post=lambda g: g.tolist())
def gradient(args):
    return dode_last(*args)
