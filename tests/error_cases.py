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
        fh.close()
    return x


def uses_generator(x):
    yield x  # line 25


def uses_global(x):
    global STATE  # line 29
    STATE = x; return x  # noqa: E702


def uses_walrus(x):
    return (y := x * 2) + y  # line 34


def uses_star_args(x, *rest):  # line 37
    return x


def no_rule(x):
    return np.fft.fft(x).real  # line 42


def mutate_global(x):
    CACHE[0] = x  # line 46
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


# ---- appended for the CLI / error-coverage work (line numbers above stay valid)

async def uses_async(x):  # line 69
    return x


def uses_nonlocal(x):
    y = x

    def inner():
        nonlocal y  # line 77
        y = y * 2
    inner()
    return y


def uses_star_call(x, xs):
    return np.add(*xs)  # line 84


def uses_import(x):
    import math  # line 88
    return math.sin(x)


def uses_del(x):
    y = x * 2
    del y[0]  # line 94
    return x


def uses_yield_from(x):
    yield from [x]  # line 99


def uses_genexp(x):
    return sum(v * v for v in x)  # line 103


def uses_set(x):
    return len({x, 1.0})  # line 107


def uses_fstring(x):
    print(f"{x}")  # line 111
    return x


def uses_match(x):
    match x:  # line 116
        case _:
            return x


def kink(x):
    y = -x  # at x == 0 the gradient (-1) disagrees with central differences (-0.5)
    if x > 0:
        y = x * x
    return y


def shape_bug(W, x):
    return np.sum(np.tanh(W @ x))  # line 129


CACHE = [0.0]  # a global that mutate_global writes into


def two_outputs(x):
    return np.sum(x), np.sum(x * x)


def only_star_args(*xs):  # line 139
    return sum(xs)


def only_star_kwargs(**kw):  # line 143
    return kw["x"]


def scaled_sin(x, w):  # line 146: given a rule for x only by the test
    return np.sin(x) * w


def uses_partial_rule(x, w):
    return scaled_sin(x, w) * 2.0  # line 152


def uses_complex(x):  # line 155
    return abs(x * 1j) ** 2  # line 156


def tanh_energy(x):
    return np.sum(np.tanh(x) ** 2)


def calls_parameter(x, fn):
    return fn(x) * 2.0


def calls_a_number(x):
    return SCALE(x)


SCALE = 3.0


class Scaler:
    factor = 2.0

    def scaled(self, x):
        return np.sum(self.factor * x ** 2)


def with_default(x, scale=2.0):
    return np.sum(x ** 2) * scale
