"""Logistic regression on synthetic data, trained with gradient descent.

Two overlapping clouds of points in the plane, labelled +1 and -1. The model
is p(label = +1 | x) = sigmoid(x @ w + b); the loss is the mean negative
log-likelihood, written out in NumPy. adjoint writes its gradient once; the
training loop is ordinary Python around it.

Run: python examples/logistic_regression.py [--fast]
"""
import sys

import numpy as np

import adjoint


def loss(w, b, X, t):
    """Mean of log(1 + exp(-t * (X @ w + b))) for labels t in {-1, +1}."""
    z = X @ w + b
    return np.mean(np.log(1.0 + np.exp(-t * z)))


def make_data(n, rng):
    """n points per class: +1 around (1, 1), -1 around (-1, -0.5)."""
    pos = rng.normal(loc=(1.0, 1.0), scale=0.9, size=(n, 2))
    neg = rng.normal(loc=(-1.0, -0.5), scale=0.9, size=(n, 2))
    X = np.concatenate([pos, neg])
    t = np.concatenate([np.ones(n), -np.ones(n)])
    order = rng.permutation(2 * n)
    return X[order], t[order]


def accuracy(w, b, X, t):
    return float(np.mean(np.sign(X @ w + b) == t))


def main(fast=False, plot=True):
    """Train; return the test accuracy and the final training loss."""
    rng = np.random.default_rng(0)
    X, t = make_data(200, rng)
    X_test, t_test = make_data(500, rng)
    dloss = adjoint.value_and_grad(loss, wrt=("w", "b"))

    w, b, lr = np.zeros(2), 0.0, 0.5
    history = []
    for step in range(60 if fast else 300):
        value, (dw, db) = dloss(w, b, X, t)
        history.append(float(value))
        w, b = w - lr * dw, b - lr * db       # a plain gradient-descent step

    train_acc, test_acc = accuracy(w, b, X, t), accuracy(w, b, X_test, t_test)
    print(f"w = {np.round(w, 3)}, b = {b:.3f}, final loss {history[-1]:.4f}")
    print(f"accuracy: {train_acc:.1%} on the 400 training points, "
          f"{test_acc:.1%} on 1000 new points")
    if plot:
        _picture(w, b, X, t, history)
    return dict(train_accuracy=train_acc, test_accuracy=test_acc, loss=history[-1],
                first_loss=history[0])


def _picture(w, b, X, t, history):
    from _plot import pyplot, save
    plt = pyplot()
    if plt is None:
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    prob = 1.0 / (1.0 + np.exp(-(w[0] * gx + w[1] * gy + b)))
    left.contourf(gx, gy, prob, levels=20, cmap="RdBu", alpha=0.6)
    left.contour(gx, gy, prob, levels=[0.5], colors="k")
    left.scatter(X[:, 0], X[:, 1], c=t, cmap="RdBu", edgecolors="k", s=14)
    left.set(title="p(+1 | x) and the decision boundary", xlabel="x1", ylabel="x2")
    right.plot(history)
    right.set(title="training loss", xlabel="gradient-descent step", ylabel="loss")
    save(fig, "logistic_regression")


if __name__ == "__main__":
    main(fast="--fast" in sys.argv[1:])
