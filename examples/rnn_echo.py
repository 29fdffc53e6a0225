"""A recurrent network that learns to echo its input three steps later.

At each time step t the network reads one number x[t] and must output
x[t - 3]: it has to carry the last three inputs in its hidden state. The loss
function runs the network with an ordinary `for t in range(T)` loop; adjoint
differentiates through the loop (backpropagation through time), saving on a
stack what the backward loop needs -- print `dloss.source` to see it.

Run: python examples/rnn_echo.py [--fast]
"""
import sys

import numpy as np

import adjoint

DELAY = 3


def loss(Wx, Wh, b, Wo, bo, xs, ys, delay):
    """Mean squared error of the outputs from step `delay` on; xs, ys: (T, batch, 1)."""
    T = xs.shape[0]
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    total = 0.0
    for t in range(T):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        if t >= delay:
            pred = h @ Wo + bo
            total = total + np.mean((pred - ys[t]) ** 2)
    return total / (T - delay)


def run(params, xs):
    """The network's outputs at every step (the same loop, without the loss)."""
    Wx, Wh, b, Wo, bo = params
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    outputs = []
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        outputs.append(h @ Wo + bo)
    return np.stack(outputs)


def sequences(rng, batch, T=12, delay=DELAY):
    """Random inputs and the targets: the inputs shifted `delay` steps later."""
    xs = rng.normal(size=(T, batch, 1))
    ys = np.zeros_like(xs)
    ys[delay:] = xs[:-delay]
    return xs, ys


def main(fast=False, plot=True):
    """Train; return the error on new sequences and the error of always saying 0."""
    rng = np.random.default_rng(0)
    hidden = 16
    params = [rng.normal(scale=0.5, size=(1, hidden)),
              rng.normal(scale=hidden ** -0.5, size=(hidden, hidden)), np.zeros(hidden),
              rng.normal(scale=hidden ** -0.5, size=(hidden, 1)), np.zeros(1)]
    velocity = [np.zeros_like(p) for p in params]
    dloss = adjoint.value_and_grad(loss, wrt=("Wx", "Wh", "b", "Wo", "bo"))
    lr, momentum, steps = 0.05, 0.9, 300 if fast else 1500
    history = []
    for step in range(steps):
        xs, ys = sequences(rng, batch=32)
        value, grads = dloss(*params, xs, ys, DELAY)
        history.append(float(value))
        for i, g in enumerate(grads):
            velocity[i] = momentum * velocity[i] - lr * g
            params[i] = params[i] + velocity[i]

    xs, ys = sequences(rng, batch=500)
    test_error = float(loss(*params, xs, ys, DELAY))
    baseline = float(np.mean(ys[DELAY:] ** 2))            # the error of always saying 0
    print(f"{steps} steps of backpropagation through {xs.shape[0]} time steps")
    print(f"mean squared error on 500 new sequences: {test_error:.4f} "
          f"(always answering 0 scores {baseline:.3f})")
    if plot:
        _picture(params, xs, ys, history)
    return dict(test_error=test_error, baseline_error=baseline, first_loss=history[0])


def _picture(params, xs, ys, history):
    from _plot import pyplot, save
    plt = pyplot()
    if plt is None:
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    steps = np.arange(xs.shape[0])
    left.plot(steps, xs[:, 0, 0], "o-", color="0.6", label="input x[t]")
    left.plot(steps[DELAY:], ys[DELAY:, 0, 0], "s", mfc="none", ms=10,
              label=f"target x[t - {DELAY}]")
    left.plot(steps[DELAY:], run(params, xs)[DELAY:, 0, 0], "x", ms=8, mew=2,
              label="network output")
    left.set(title="one new sequence", xlabel="time step t")
    left.legend(fontsize=8)
    right.semilogy(history)
    right.set(title="training loss", xlabel="step", ylabel="mean squared error")
    save(fig, "rnn_echo")


if __name__ == "__main__":
    main(fast="--fast" in sys.argv[1:])
