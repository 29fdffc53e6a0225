"""Quickstart: a gradient, and the Python source adjoint wrote to compute it.

Run: python examples/quickstart.py   (or `make demo`)
"""
import numpy as np

import adjoint


def loss(w, b, x, y_true):
    y_pred = w * x + b
    return np.sum((y_pred - y_true) ** 2)


def main():
    dloss = adjoint.grad(loss, wrt=("w", "b"))
    dw, db = dloss(1.0, 0.0, 2.0, 4.0)
    print(f"loss(w=1, b=0, x=2, y=4) = {loss(1.0, 0.0, 2.0, 4.0)}")
    print(f"dloss/dw = {dw}, dloss/db = {db}")
    print()
    print("The generated gradient function:")
    print()
    print(dloss.source)
    print("Next: python examples/backward_tutorial.py  (PyTorch's backward() tutorial,")
    print("side by side), then the other examples listed in README.md.")
    return dw, db


if __name__ == "__main__":
    main()
