"""particle: a charged particle fired at (0, 8) with velocity (0.75, 0) moves under the
field of two charges at (10, 10 - w) and (10, 0) (naive Euler steps of 0.1, the force being
minus the gradient of the potential) until it crosses y = 0; gradient descent on w
makes it cross at the origin. Nested AD: the outer gradient (in w) differentiates
through the inner gradients (in x) taken at every step.

ff, fr, rf, rr: the first letter is the outer derivative's mode, the second the inner's
(f: adjoint.jvp, r: adjoint.grad).
"""
import numpy as np

import adjoint

from .gd import multivariate_argmin
from .protocol import multiple_runs


def potential(x, charges):
    p = 0.0
    for charge in charges:
        p = p + 1.0 / np.sqrt(np.sum((x - charge) ** 2))
    return p


dpotential_r = adjoint.grad(potential, wrt="x")
potential_jvp = adjoint.jvp(potential, wrt="x")


def dpotential_f(x, charges):
    """The gradient in x, one forward sweep per component."""
    return np.array([potential_jvp(x, charges, np.array([1.0, 0.0]))[1],
                     potential_jvp(x, charges, np.array([0.0, 1.0]))[1]])


def naive_euler_r(w):
    charges = [np.array([10.0, 10.0 - w]), np.array([10.0, 0.0])]
    x = np.array([0.0, 8.0])
    xdot = np.array([0.75, 0.0])
    dt = 0.1
    while True:
        xddot = -dpotential_r(x, charges)
        x = x + dt * xdot
        if x[1] <= 0.0:
            dt_f = -x[1] / xdot[1]
            x_t_f = x + dt_f * xdot
            return x_t_f[0] ** 2
        xdot = xdot + dt * xddot


def naive_euler_f(w):
    charges = [np.array([10.0, 10.0 - w]), np.array([10.0, 0.0])]
    x = np.array([0.0, 8.0])
    xdot = np.array([0.75, 0.0])
    dt = 0.1
    while True:
        xddot = -dpotential_f(x, charges)
        x = x + dt * xdot
        if x[1] <= 0.0:
            dt_f = -x[1] / xdot[1]
            x_t_f = x + dt_f * xdot
            return x_t_f[0] ** 2
        xdot = xdot + dt * xddot


outer = {"r": adjoint.grad, "f": adjoint.jvp}
inner = {"r": naive_euler_r, "f": naive_euler_f}


def solve(w0, modes):
    naive_euler = inner[modes[1]]
    derivative = outer[modes[0]](naive_euler)
    if modes[0] == "r":
        def gradient(w):
            return np.array([derivative(w[0])])
    else:
        def gradient(w):
            return np.array([derivative(w[0], 1.0)[1]])

    def objective(w):
        return naive_euler(w[0])

    return multivariate_argmin(objective, gradient, np.array([w0]))[0]


def prepare(raw):
    return float(raw["w"])


@multiple_runs(pre=prepare, post=float)
def rr(w0):
    return solve(w0, "rr")


@multiple_runs(pre=prepare, post=float)
def rf(w0):
    return solve(w0, "rf")


@multiple_runs(pre=prepare, post=float)
def fr(w0):
    return solve(w0, "fr")


@multiple_runs(pre=prepare, post=float)
def ff(w0):
    return solve(w0, "ff")
