"""Functions that adjoint must refuse with a clear error (line numbers are asserted)."""
import numpy as np


def uses_try(x):
    try:  # line 6
        return x * 2
    except ValueError:
        return x


def uses_class(x):
    class Box:  # line 13
        pass
    return x


def uses_with(x):
    with open("f") as fh:  # line 19
        pass
    return x


def uses_generator(x):
    yield x  # line 25


def uses_global(x):
    global STATE  # line 29
    return x


def uses_walrus(x):
    return (y := x * 2) + y  # line 34


def uses_star_args(x, *rest):  # line 37
    return x


def no_rule(x):
    return np.fft.fft(x).real  # line 42


def item_write(x):
    x[0] = 1.0  # line 46
    return np.sum(x)


def nonscalar(x):
    return np.sin(x)


def for_else(x):
    for i in range(3):
        x = x * 2
    else:
        x = x + 1  # line 58
    return x


def opaque_unused(x, cfg):
    n = np.fft.fft(cfg).real  # not differentiated: depends on cfg only
    return np.sum(x * x) + np.sum(n) * 0.0
