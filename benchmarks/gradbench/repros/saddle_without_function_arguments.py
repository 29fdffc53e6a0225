"""saddle's inner argmax with the solver written out for its objective (no function passed
as an argument, so shared repro 09 is out of the way): what saddle meets once 09 is fixed.

The outer derivative of max_y f(x, y) in x is (0.6, -0.4) at x = (0.3, -0.2).
- forward mode (adjoint.jvp) gives it: the fr and ff variants should then validate;
- reverse mode (adjoint.grad) fails in the adjoint sweep, shared repro 10:
      TypeError: 'float' object does not support item assignment
  the solver's last `gx = -df_dy(x, y)` is never read, its adjoint arrives as the float
  0.0, and df_dy's backward writes `bby[0] = 0.0` into it.
"""
import numpy as np

import adjoint


def f(x, y):
    return (x[0] ** 2 + x[1] ** 2) - (y[0] ** 2 + y[1] ** 2)


df_dy = adjoint.grad(f, wrt="y")


def max_over_y(x, y):
    """tool/gd.py's argmin of -f(x, .) from y, then f there."""
    fx = -f(x, y)
    gx = -df_dy(x, y)
    i = 0
    eta = 1e-5
    while True:
        if np.sqrt(np.sum(gx ** 2)) <= 1e-5:
            return f(x, y)
        if i == 10:
            eta = eta * 2
            i = 0
        else:
            y_prime = y - eta * gx
            if np.sqrt(np.sum((y - y_prime) ** 2)) <= 1e-5:
                return f(x, y)
            fx_prime = -f(x, y_prime)
            if fx_prime < fx:
                y = y_prime
                fx = fx_prime
                gx = -df_dy(x, y)
                i = i + 1
            else:
                eta = eta / 2
                i = 0


x, start = np.array([0.3, -0.2]), np.array([1.0, 1.0])
expected = np.array([0.6, -0.4])
jvp = adjoint.jvp(max_over_y, wrt="x")
forward = np.array([jvp(x, start, e)[1] for e in np.eye(2)])
print("expected", expected, "jvp", forward)
try:
    reverse = adjoint.grad(max_over_y, wrt="x")(x, start)
    print("grad", reverse)
    ok = np.allclose(forward, expected, atol=1e-6) and np.allclose(reverse, expected, atol=1e-6)
except TypeError as e:
    print(f"grad: TypeError: {e}")
    ok = False
raise SystemExit(0 if ok else 1)
