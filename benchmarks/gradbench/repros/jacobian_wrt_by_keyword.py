"""adjoint.jacobian (both modes) fails when the differentiated argument is passed by
keyword: IndexError: tuple index out of range, from `args[index]` in adjoint/higher.py.

grad, value_and_grad and jvp accept it by keyword; jacobian takes the position of `wrt`
in the signature and reads that position of *args only.
Expected: [[2., 0.], [0., 2.]] (f(x) = 2 x).
"""
import numpy as np

import adjoint


def f(x, scale):
    return scale * x


x = np.array([1.0, 2.0])
failed = False
for mode in ("reverse", "forward"):
    try:
        J = adjoint.jacobian(f, wrt="x", mode=mode)(x=x, scale=2.0)
        print(mode, J.tolist())
        failed |= not np.allclose(J, 2 * np.eye(2))
    except Exception as e:
        print(mode, f"{type(e).__name__}: {e}")
        failed = True
raise SystemExit(1 if failed else 0)
