"""A two-layer neural network that separates two interleaved spirals.

The network is tanh(X @ W1 + b1) @ W2 + b2 followed by a softmax; the loss is
the cross-entropy, written out in NumPy (the max is subtracted before exp so
large logits cannot overflow). Training is mini-batch gradient descent with
momentum: an ordinary Python loop around the gradient function adjoint wrote.

Run: python examples/spirals_mlp.py [--fast]
"""
import sys

import numpy as np

import adjoint


def loss(W1, b1, W2, b2, X, Y):
    """Mean cross-entropy of the softmax of the logits against one-hot labels Y."""
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(Y * log_p, axis=1))


def predict(params, X):
    W1, b1, W2, b2 = params
    return np.argmax(np.tanh(X @ W1 + b1) @ W2 + b2, axis=1)


def spirals(n, rng, turns=1.5, noise=0.05):
    """n noisy points on each of two spirals, the second turned by half a circle."""
    r = np.linspace(0.15, 1.0, n)
    points, labels = [], []
    for k in (0, 1):
        angle = 2 * np.pi * turns * r + k * np.pi
        xy = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
        points.append(xy + rng.normal(scale=noise, size=(n, 2)))
        labels.append(np.full(n, k))
    return np.concatenate(points), np.concatenate(labels)


def train(X, labels, rng, steps, hidden=32, batch=32, lr=0.1, momentum=0.9):
    """Mini-batch gradient descent with momentum; returns parameters and losses."""
    Y = np.eye(2)[labels]                                     # one-hot labels
    params = [rng.normal(scale=3.0, size=(2, hidden)), np.zeros(hidden),
              rng.normal(scale=hidden ** -0.5, size=(hidden, 2)), np.zeros(2)]
    velocity = [np.zeros_like(p) for p in params]
    dloss = adjoint.value_and_grad(loss, wrt=("W1", "b1", "W2", "b2"))
    history = []
    for step in range(steps):
        batch_ids = rng.choice(len(X), size=batch, replace=False)
        value, grads = dloss(*params, X[batch_ids], Y[batch_ids])
        history.append(float(value))
        for i, g in enumerate(grads):
            velocity[i] = momentum * velocity[i] - lr * g
            params[i] = params[i] + velocity[i]
    return params, history


def main(fast=False, plot=True):
    """Train on 400 points; return train/test accuracy and the final full loss."""
    rng = np.random.default_rng(0)
    X, labels = spirals(200, rng)
    X_test, labels_test = spirals(500, rng)
    steps = 800 if fast else 4000
    params, history = train(X, labels, rng, steps)

    train_acc = float(np.mean(predict(params, X) == labels))
    test_acc = float(np.mean(predict(params, X_test) == labels_test))
    final = float(loss(*params, X, np.eye(2)[labels]))
    print(f"{steps} mini-batch steps: loss {history[0]:.3f} -> {final:.4f} "
          "on all training points")
    print(f"accuracy: {train_acc:.1%} on the 400 training points, "
          f"{test_acc:.1%} on 1000 new points")
    if plot:
        _picture(params, X, labels, history)
    return dict(train_accuracy=train_acc, test_accuracy=test_acc, loss=final)


def _picture(params, X, labels, history):
    from _plot import pyplot, save
    plt = pyplot()
    if plt is None:
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    gx, gy = np.meshgrid(np.linspace(-1.3, 1.3, 300), np.linspace(-1.3, 1.3, 300))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    left.contourf(gx, gy, predict(params, grid).reshape(gx.shape), cmap="coolwarm",
                  alpha=0.35)
    left.scatter(X[:, 0], X[:, 1], c=labels, cmap="coolwarm", edgecolors="k", s=12)
    left.set(title="decision regions", aspect="equal")
    smooth = np.convolve(history, np.ones(50) / 50, mode="valid")
    right.semilogy(history, alpha=0.3, label="each mini-batch")
    right.semilogy(np.arange(49, len(history)), smooth, label="mean of 50")
    right.set(title="training loss", xlabel="step", ylabel="cross-entropy")
    right.legend()
    save(fig, "spirals_mlp")


if __name__ == "__main__":
    main(fast="--fast" in sys.argv[1:])
