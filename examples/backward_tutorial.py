"""PyTorch's `backward()` tutorial, done the adjoint way.

Each step shows the PyTorch code (in comments) and the adjoint code under it.
PyTorch records what happens to tensors marked `requires_grad` while they are
computed, and `backward()` walks that record. adjoint instead reads your
function's source once and writes a new Python function that computes the
gradient; you call it like any function and can print it.

If torch is installed, the same steps also run in PyTorch and the numbers are
checked to be equal.

Run: python examples/backward_tutorial.py [--fast]
"""
import importlib.util
import sys

import numpy as np

import adjoint


# ---- 1. The gradient of a mean ----------------------------------------------
# PyTorch:
#     x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
#     y = x * 2
#     z = y.mean()
#     z.backward()
#     print(x.grad)                       # tensor([0.6667, 0.6667, 0.6667])
# adjoint: the computation is a function; `wrt` says which argument.
def mean_of_double(x):
    y = x * 2
    z = y.mean()
    return z


# ---- 2. A linear model: one prediction, its squared error --------------------
# PyTorch:
#     w = torch.tensor(1.0, requires_grad=True)
#     b = torch.tensor(0.0, requires_grad=True)
#     loss = ((w * x + b - y_true) ** 2).mean()      # x = 2, y_true = 4
#     loss.backward()
#     print(w.grad, b.grad)               # tensor(-8.) tensor(-4.)
def loss(w, b, x, y_true):
    y_pred = w * x + b
    return np.mean((y_pred - y_true) ** 2)


def step_one():
    """Gradients at w=1, b=0, x=2, y_true=4, then one step of gradient descent."""
    dloss = adjoint.grad(loss, wrt=("w", "b"))
    dw, db = dloss(1.0, 0.0, 2.0, 4.0)
    # PyTorch:
    #     with torch.no_grad():               # the update itself is not recorded
    #         w -= 0.1 * w.grad
    #         b -= 0.1 * b.grad
    # adjoint: nothing is recorded, so the update is plain arithmetic.
    lr = 0.1
    w, b = 1.0 - lr * dw, 0.0 - lr * db
    return dw, db, w, b


# ---- 3. The training loop, to convergence ------------------------------------
# PyTorch:
#     for step in range(max_steps):
#         loss = ((w * x + b - y_true) ** 2).mean()
#         loss.backward()                   # adds into w.grad and b.grad
#         with torch.no_grad():
#             w -= lr * w.grad
#             b -= lr * b.grad
#         w.grad.zero_()                    # or the next backward() adds to them
#         b.grad.zero_()
# adjoint: each call returns fresh gradients, so there is nothing to zero.
def train(x, y_true, lr=0.05, tol=1e-8, max_steps=5000):
    """Gradient descent on `loss` from w=1, b=0 until the gradient is below tol."""
    vg = adjoint.value_and_grad(loss, wrt=("w", "b"))
    w, b = 1.0, 0.0
    history = []
    for step in range(1, max_steps + 1):
        value, (dw, db) = vg(w, b, x, y_true)
        history.append(float(value))
        w, b = w - lr * dw, b - lr * db
        if max(abs(dw), abs(db)) < tol:
            break
    return w, b, step, history


def torch_version(x_data, y_data, lr, steps):
    """The same three steps in PyTorch (float64), for comparison."""
    import torch
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    z = (x * 2).mean()
    z.backward()
    w = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    one = ((w * 2.0 + b - 4.0) ** 2).mean()
    one.backward()
    grads = (w.grad.item(), b.grad.item())
    with torch.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
    stepped = (w.item(), b.item())
    w = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    xs = torch.tensor(x_data, dtype=torch.float64)
    ys = torch.tensor(y_data, dtype=torch.float64)
    for _ in range(steps):
        ((w * xs + b - ys) ** 2).mean().backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return x.grad.numpy(), grads, stepped, (w.item(), b.item())


def main(fast=False, plot=True):
    """Run the three steps; return the headline numbers (every run is fast)."""
    dmean = adjoint.grad(mean_of_double)
    x_grad = dmean(np.array([1.0, 2.0, 3.0]))
    print(f"1. d mean(2x) / dx at x = [1, 2, 3]: {x_grad}")      # [2/3, 2/3, 2/3]

    dw, db, w1, b1 = step_one()
    print(f"2. at w=1, b=0, x=2, y_true=4:  dloss/dw = {dw}, dloss/db = {db}")
    print(f"   one step with learning rate 0.1: w = {w1:.4g}, b = {b1:.4g}")

    x_data = np.array([1.0, 2.0, 3.0, 4.0])
    y_data = 2.0 * x_data + 1.0                    # the line the loop should find
    w, b, steps, history = train(x_data, y_data)   # fast already: `fast` changes nothing
    print(f"3. fitting y = 2x + 1: w = {w:.6f}, b = {b:.6f} after {steps} steps "
          f"(loss {history[-1]:.2e})")

    out = dict(x_grad=x_grad, dw=dw, db=db, w_step=w1, b_step=b1, w=w, b=b,
               steps=steps, torch_checked=False)
    if importlib.util.find_spec("torch") is None:
        print("(torch is not installed: the PyTorch comparison is skipped)")
    else:
        t_xgrad, t_grads, t_step, t_final = torch_version(x_data, y_data, 0.05, steps)
        assert np.allclose(t_xgrad, x_grad, rtol=1e-12)
        assert np.allclose(t_grads, (dw, db), rtol=1e-12)
        assert np.allclose(t_step, (w1, b1), rtol=1e-12)
        assert np.allclose(t_final, (w, b), rtol=1e-9)
        print("PyTorch gives the same numbers at every step.")
        out["torch_checked"] = True

    if plot:
        _picture(history)
    return out


def _picture(history):
    from _plot import pyplot, save
    plt = pyplot()
    if plt is None:
        return
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.semilogy(range(1, len(history) + 1), history)
    ax.set(xlabel="gradient-descent step", ylabel="loss (mean squared error)",
           title="Fitting y = 2x + 1")
    save(fig, "backward_tutorial")


if __name__ == "__main__":
    main(fast="--fast" in sys.argv[1:])
