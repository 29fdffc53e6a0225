"""Per-example gradients with vmap: differentially private SGD on two clouds.

DP-SGD (Abadi et al., 2016) needs one gradient per example, not their sum: each is
clipped to norm at most C before the batch's average is taken, and Gaussian noise
is added. The loss is written for one example; `adjoint.vmap(adjoint.grad(loss))`
writes the NumPy code that computes the gradients of a whole batch at once.

Run: python examples/per_example_gradients.py [--fast]
"""
import sys
import time

import numpy as np

import adjoint


def loss(w, b, x, t):
    """Logistic loss of one example: features x, label t in {-1, +1}."""
    z = w @ x + b
    return np.log(1.0 + np.exp(-t * z))


def clouds(n, rng):
    """n points per class: +1 around (1, 1), -1 around (-1, -0.5)."""
    X = np.concatenate([rng.normal((1.0, 1.0), 0.9, (n, 2)),
                        rng.normal((-1.0, -0.5), 0.9, (n, 2))])
    t = np.concatenate([np.ones(n), -np.ones(n)])
    return X, t


def dp_sgd(X, t, rng, steps, batch=64, lr=0.5, clip=1.0, noise=0.5):
    per_example = adjoint.vmap(adjoint.grad(loss, wrt=("w", "b")),
                               in_axes=(None, None, 0, 0))
    w, b = np.zeros(2), 0.0
    for _ in range(steps):
        pick = rng.choice(len(X), batch, replace=False)
        gw, gb = per_example(w, b, X[pick], t[pick])     # (batch, 2), (batch,)
        norm = np.sqrt(np.sum(gw ** 2, axis=1) + gb ** 2)
        scale = np.minimum(1.0, clip / np.maximum(norm, 1e-12))
        gw = (np.sum(gw * scale[:, None], axis=0) + rng.normal(0, noise * clip, 2)) / batch
        gb = (np.sum(gb * scale) + rng.normal(0, noise * clip)) / batch
        w, b = w - lr * gw, b - lr * gb
    return w, b, per_example


def speedup(per_example, w, b, X, t, rounds=3):
    """Time of a loop of grad over the batch divided by the batched call's."""
    grad = adjoint.grad(loss, wrt=("w", "b"))

    def loop():
        return [grad(w, b, x, ti) for x, ti in zip(X, t)]
    best = {}
    for name, fn in (("loop", loop), ("vmap", lambda: per_example(w, b, X, t))):
        fn()
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        best[name] = min(times)
    return best["loop"] / best["vmap"]


def main(fast=False, plot=True):
    rng = np.random.default_rng(0)
    X, t = clouds(500, rng)
    w, b, per_example = dp_sgd(X, t, rng, steps=60 if fast else 300)
    X_new, t_new = clouds(500, np.random.default_rng(1))
    accuracy = float(np.mean(np.sign(X_new @ w + b) == t_new))
    print(f"DP-SGD (clip 1.0, noise 0.5): {accuracy:.1%} on 1000 unseen points")
    ratio = speedup(per_example, w, b, X[:256], t[:256])
    print(f"256 per-example gradients: vmap {ratio:.0f}x faster than a loop of grad")
    print()
    print("The batched gradient adjoint wrote:")
    print()
    print(per_example.source)
    return accuracy, ratio


if __name__ == "__main__":
    main(fast="--fast" in sys.argv[1:])
