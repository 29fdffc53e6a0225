"""Tuples, lists, dicts and in-place writes: gradients against finite differences,
the caller's objects left unchanged, forward mode, and clear errors."""
import copy
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
import pytest

import adjoint
from adjoint.errors import UnsupportedSyntaxError
from conftest import assert_grad_matches, load_module, numerical_grad


# ---- tuples -----------------------------------------------------------------------
def tuple_pack_index(a, b):
    t = (a, b * 2.0)
    u, v = t
    return u * v + t[0] * t[1] ** 2


def tuple_swap(a, b):
    for _ in range(3):
        a, b = b, a * b
    return a + 2.0 * b


def tuple_of_arrays(x):
    pair = (np.sin(x), x ** 2)
    first, second = pair
    return np.sum(first * second) + np.sum(pair[1])


# ---- lists ------------------------------------------------------------------------
def list_literal(x, y):
    xs = [x, y * x, np.cos(y)]
    return np.sum(xs[0] * xs[1]) + np.sum(xs[2])


def list_append_stack(x):
    rows = []
    for i in range(x.shape[0]):
        rows.append(np.sin(x[i]) * x)
    return np.sum(np.stack(rows) ** 2)


def list_read_write(x):
    xs = [x[0], x[1], x[2]]
    xs[1] = xs[0] * xs[2]
    xs[0] = np.sin(xs[1])
    return xs[0] + xs[1] * xs[2]


def list_comprehension(x):
    ys = [np.tanh(x[i]) * x[i + 1] for i in range(x.shape[0] - 1) if i != 1]
    return sum(ys)


def list_sum_of_arrays(x, w):
    parts = [x * w, np.sin(x), w]
    return np.sum(sum(parts) ** 2)


def list_concatenate(x):
    pieces = []
    for i in range(3):
        pieces.append(x[i:] * i)
    return np.sum(np.concatenate(pieces) ** 2)


def array_of_scalars(a, b):
    v = np.array([a, a * b, np.sin(b)])
    return np.sum(v ** 2) + v[1]


def stack_literal(x):
    return np.sum(np.stack([x, np.sin(x)], axis=1) ** 3)


def nested_comprehension(x):
    grid = [[x[i] * x[j] for j in range(3)] for i in range(2)]
    return sum([sum(row) for row in grid])


# ---- dicts ------------------------------------------------------------------------
def dict_literal_read_write(x):
    d = {"a": x, "b": x * 2.0}
    d["c"] = d["a"] * d["b"]
    d["a"] = np.sin(d["a"])
    return np.sum(d["a"] + d["c"])


def dict_params(params, x):
    h = np.tanh(params["W"] @ x + params["b"])
    return np.sum(h ** 2) * params["scale"]


def dict_comprehension(x):
    d = {k: x * (k + 1) for k in range(3)}
    return np.sum(d[0] * d[2]) + np.sum(d[1])


def dict_keys_loop(params):
    total = 0.0
    for k in ["w", "v"]:
        total = total + np.sum(params[k] ** 2)
    return total


# ---- in-place writes into arrays ----------------------------------------------------
def write_in_loop(x):
    y = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        y[i] = np.sin(x[i]) * x[i]
    return np.sum(y * x)


def slice_add(x):
    y = np.zeros(5)
    y[1:4] += x * 2.0
    y[0:3] += x ** 2
    return np.sum(y ** 2)


def overwrite_used_value(x):
    y = x * 2.0
    s = np.sum(y * y)      # reads y before it is overwritten
    y[1] = np.sin(x[0])    # the old y[1] must come back for s's adjoint
    y[0:2] += x[1:3]
    return s + np.sum(y ** 3)


def overwrite_in_loop(x):
    y = x.copy()
    total = 0.0
    for i in range(1, x.shape[0]):
        total = total + y[i] * y[i - 1]
        y[i] = np.tanh(y[i - 1] + y[i])
    return total + np.sum(y)


def write_into_parameter(x):
    x[0] = x[1] * x[2]
    x[2:] *= 3.0
    return np.sum(x ** 2)


def write_into_list_parameter(xs):
    xs[0] = xs[0] * xs[1]
    xs.append(xs[0] ** 2)
    return sum(xs)


def write_into_dict_parameter(d):
    d["w"] = d["w"] * 2.0
    d["extra"] = np.sin(d["w"])
    return np.sum(d["w"] * d["extra"])


def write_branchy(x, flag):
    y = np.zeros(3)
    for i in range(3):
        if x[i] > flag:
            y[i] = x[i] ** 2
        else:
            y[i] = -x[i]
    return np.sum(y * x)


def rng_args(*shapes):
    return lambda r: [r.normal(size=s) if s else float(r.normal()) for s in shapes]


CASES = [
    (tuple_pack_index, (0, 1), rng_args((), ())),
    (tuple_swap, (0, 1), lambda r: [0.9, 1.1]),
    (tuple_of_arrays, 0, rng_args((4,))),
    (list_literal, (0, 1), rng_args((3,), (3,))),
    (list_append_stack, 0, rng_args((4,))),
    (list_read_write, 0, rng_args((3,))),
    (list_comprehension, 0, rng_args((5,))),
    (list_sum_of_arrays, (0, 1), rng_args((3,), (3,))),
    (list_concatenate, 0, rng_args((4,))),
    (array_of_scalars, (0, 1), rng_args((), ())),
    (stack_literal, 0, rng_args((3,))),
    (nested_comprehension, 0, rng_args((3,))),
    (dict_literal_read_write, 0, rng_args((3,))),
    (dict_comprehension, 0, rng_args((3,))),
    (write_in_loop, 0, rng_args((5,))),
    (slice_add, 0, rng_args((3,))),
    (overwrite_used_value, 0, rng_args((4,))),
    (overwrite_in_loop, 0, rng_args((5,))),
    (write_into_parameter, 0, rng_args((4,))),
    (write_branchy, 0, lambda r: [r.normal(size=3), 0.1]),
]


@pytest.mark.parametrize("fn, wrt, make_args", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_matches_finite_differences(fn, wrt, make_args):
    args = make_args(np.random.default_rng(5))
    before = copy.deepcopy(args)
    idx = wrt if isinstance(wrt, tuple) else (wrt,)
    assert_grad_matches(adjoint.grad(fn, wrt=wrt), fn, args, wrt=idx)
    for a, b in zip(args, before):  # the caller's inputs are unchanged
        np.testing.assert_array_equal(a, b)


def _fd_dict(f, d, key, eps=1e-6):
    def at(v):
        e = dict(d)
        e[key] = v
        return f(e)
    return numerical_grad(at, [d[key]], 0, eps)


def test_dict_parameter_gets_a_plain_dict_gradient():
    params = {"W": np.random.default_rng(0).normal(size=(2, 3)), "b": np.array([0.1, -0.2]),
              "scale": 2.0, "name": "net"}
    x = np.arange(3.0)
    before = copy.deepcopy(params)
    g = adjoint.grad(dict_params)(params, x)
    assert type(g) is dict and list(g) == list(params)
    for k in ("W", "b", "scale"):
        want = _fd_dict(lambda p: dict_params(p, x), params, k)
        np.testing.assert_allclose(g[k], want, rtol=1e-5, atol=1e-6)
    assert g["name"] == 0.0
    assert params.keys() == before.keys()
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


def test_dict_read_by_loop_variable_key():
    params = {"w": np.array([1.0, -2.0]), "v": np.array([0.5])}
    g = adjoint.grad(dict_keys_loop)(params)
    np.testing.assert_allclose(g["w"], 2 * params["w"])
    np.testing.assert_allclose(g["v"], 2 * params["v"])


def test_list_parameter_written_and_appended_is_unchanged():
    xs = [np.array([1.0, 2.0]), np.array([0.5, -1.0])]
    before = [x.copy() for x in xs]
    # (the builtin sum of a list of arrays is an array: its incoming gradient is needed)
    g = adjoint.grad(write_into_list_parameter)(xs, grad_out=np.ones(2))
    assert type(g) is list and len(g) == 2 and len(xs) == 2
    for x, b in zip(xs, before):
        np.testing.assert_array_equal(x, b)
    for i in range(2):  # finite differences, one list element at a time
        def f(v, i=i):
            ys = list(xs)
            ys[i] = v
            return np.sum(write_into_list_parameter(ys))
        want = numerical_grad(f, [xs[i]], 0)
        np.testing.assert_allclose(g[i], want, rtol=1e-5, atol=1e-6)


def test_dict_parameter_written_is_unchanged_and_new_key_removed():
    d = {"w": np.array([0.3, -0.7])}
    g = adjoint.grad(write_into_dict_parameter)(d)
    assert list(d) == ["w"] and list(g) == ["w"]
    np.testing.assert_array_equal(d["w"], [0.3, -0.7])
    want = _fd_dict(write_into_dict_parameter, d, "w")
    np.testing.assert_allclose(g["w"], want, rtol=1e-5, atol=1e-6)


def test_tuple_parameter_gradient_is_a_tuple():
    def f(t):
        a, b = t
        return np.sum(a * b)
    t = (np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    g = adjoint.grad(f)(t)
    assert type(g) is tuple
    np.testing.assert_allclose(g[0], t[1])
    np.testing.assert_allclose(g[1], t[0])


# ---- attribute reads on objects that are not differentiated --------------------------
Config = namedtuple("Config", "lr scale")


@dataclass
class Hyper:
    decay: float


class Plain:
    weight = 3.0


def with_config(x, cfg, hyper, plain):
    return np.sum(x * cfg.lr) * hyper.decay + np.sum(x ** 2) * plain.weight * cfg.scale


def test_attribute_reads_on_config_objects():
    x = np.array([0.5, -1.5])
    args = [x, Config(0.1, 2.0), Hyper(0.9), Plain()]
    assert_grad_matches(adjoint.grad(with_config), with_config, args)


def test_differentiated_namedtuple_gets_a_namedtuple_gradient():
    """(It was refused: "pass the arrays themselves"; tests/test_records.py has more.)"""
    x = np.array([0.5, -1.5])
    cfg = Config(0.1, 2.0)
    got = adjoint.grad(with_config, wrt="cfg")(x, cfg, Hyper(0.9), Plain())
    assert type(got) is Config
    for i, name in enumerate(Config._fields):
        want = numerical_grad(lambda v: with_config(x, cfg._replace(**{name: v}),
                                                    Hyper(0.9), Plain()), [cfg[i]], 0)
        np.testing.assert_allclose(getattr(got, name), want, rtol=1e-6)


# ---- errors ---------------------------------------------------------------------------
STATE = []


def appends_to_global(x):
    STATE.append(x)
    return x * 2.0


def list_concatenation(x):
    xs = [x]
    ys = xs + [x * 2.0]
    return sum(ys)


def nested_write(x):
    m = [[x, x], [x, x]]
    m[0][1] = x * 3.0
    return sum(m[0])


def attribute_write(x, cfg):
    cfg.lr = x
    return x


@pytest.mark.parametrize("fn, words", [
    (appends_to_global, "mutating the global STATE"),
    (list_concatenation, "joining or repeating lists"),
    (nested_write, "nested item assignment"),
    (attribute_write, "attribute assignment"),
])
def test_unsupported_mutations_name_the_line(fn, words):
    with pytest.raises(UnsupportedSyntaxError) as err:
        adjoint.grad(fn)
    text = str(err.value)
    line = fn.__code__.co_firstlineno + 1 + (fn is list_concatenation) \
        + (fn is nested_write)  # the offending statement
    assert f"test_containers.py:{line}" in text and words in text


# ---- forward mode ----------------------------------------------------------------------
@pytest.mark.parametrize("fn, wrt, make_args", [
    (tuple_of_arrays, 0, rng_args((4,))),
    (list_append_stack, 0, rng_args((4,))),
    (dict_literal_read_write, 0, rng_args((3,))),
    (write_in_loop, 0, rng_args((5,))),
    (overwrite_used_value, 0, rng_args((4,))),
    (write_into_parameter, 0, rng_args((4,))),
    (list_comprehension, 0, rng_args((5,))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_forward_mode(fn, wrt, make_args):
    r = np.random.default_rng(2)
    (x,) = make_args(r)
    before = x.copy()
    v = r.normal(size=x.shape)
    value, dvalue = adjoint.jvp(fn, wrt=wrt)(x, v)
    eps = 1e-6
    want = (fn(x.copy() + eps * v) - fn(x.copy() - eps * v)) / (2 * eps)
    np.testing.assert_allclose(value, fn(x.copy()))
    np.testing.assert_allclose(dvalue, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(x, before)


HELPER = "def scale_first(v):\n    v[0] = v[0] * 2.0\n    return v\n\n"


@pytest.mark.parametrize("body,words", [
    ("xs = [x]\n    xs.extend([x * 2.0])\n    return np.sum(np.stack(xs))", ".extend("),
    ("d = {'a': x}\n    d.update({'b': x})\n    return np.sum(d['a'])", ".update("),
    ("y = x * 1.0\n    y.sort()\n    return np.sum(y[:2])", ".sort("),
    ("y = np.zeros(3)\n    y.fill(x[0])\n    return np.sum(y ** 2)", ".fill("),
    ("y = np.empty(3)\n    np.multiply(x, 2.0, out=y)\n    return np.sum(y)", "out=..."),
    ("y = np.zeros(3)\n    np.copyto(y, x)\n    return np.sum(y ** 2)", "np.copyto"),
    ("y = np.zeros(3)\n    np.multiply.at(y, [0, 0], x[:2])\n    return np.sum(y ** 2)",
     "np.multiply.at"),  # (np.add.at is differentiated: tests/test_array_edits.py)
    ("A = np.eye(3)\n    np.fill_diagonal(A, x)\n    return np.sum(A ** 2)",
     "np.fill_diagonal"),
    ("y = np.zeros((2, 3))\n    row = y[0]\n    row[1] = x[0]\n    return np.sum(y * y)",
     "a view of y"),
    ("y = np.zeros((2, 3))\n    r = y.reshape(-1)\n    r[1] = x[0]\n    return np.sum(y * y)",
     "a view of y"),
    ("y = np.zeros((2, 3))\n    r = np.ravel(y)\n    r[1] = x[0]\n    return np.sum(y * y)",
     "a view of y"),
    ("y = x.copy()\n    scale_first(y)\n    return np.sum(y * y)", "scale_first(y) writes"),
    ("y = x.copy()\n    z = scale_first(y)\n    return np.sum(z * z)",
     "scale_first(y) writes"),
    # two names for one array (aliases.py): NumPy changes both, adjoint would not
    ("y = x.copy()\n    z = y\n    z *= 3.0\n    return np.sum(y * x)",
     "z and y name the same array"),
    ("y = x.copy()\n    r = np.asarray(y)\n    r[0] = 5.0 * x[2]\n    return np.sum(y)",
     "r and y name the same array"),
    ("a = b = np.zeros(2)\n    a[0] = x[0]\n    return b[0]", "b and a name the same"),
    ("acc = np.zeros(3)\n    tmp = acc\n    acc += x\n    return np.sum(tmp * x)",
     "tmp is read afterwards"),
    ("y = x.copy()\n    r = y[:2]\n    r *= 4.0\n    return np.sum(y)", "r is a view of y"),
    ("y = x.copy()\n    t = y[:2]\n    y[0] = 10.0 * x[2]\n    return np.sum(t * t)",
     "t is a view of y"),
    ("y = x * 1.0\n    t = y[1:]\n    y *= 3.0\n    return np.sum(t ** 2)",
     "t is a view of y"),
    ("A = np.outer(x, x)\n    row = A[0, :]\n    A[0, 1] = A[1, 1] * 2.0\n"
     "    return np.sum(row ** 2)", "row is a view of A"),
    ("y = x.copy()\n    t = y[...]\n    y[0] = x[1] * 5.0\n    return np.sum(t * x)",
     "t is a view of y"),
    ("y = x.copy()\n    t = y[None]\n    y[0] = x[1] * 5.0\n    return np.sum(t)",
     "t is a view of y"),
    ("y = x.copy()\n    a, b = y, y\n    a[0] = x[1] * 5.0\n    return np.sum(b * x)",
     "a and b both name the memory of y"),
    ("y = np.concatenate([x, x])\n    p, q = np.split(y, 2)\n    y[0] = x[1] * 5.0\n"
     "    return np.sum(p * x)", "p is a view of y"),
    ("y = x.copy()\n    z = y if x[0] < 5.0 else y.copy()\n    z[0] = x[1] * 5.0\n"
     "    return np.sum(y * x)", "z and y name the same array"),
    ("y = x.copy()\n    if x[0] < 5.0:\n        v = y[:2]\n    else:\n"
     "        v = y[1:].copy()\n    y[0] = x[1] * 5.0\n    return np.sum(v)",
     "v is a view of y"),
    ("A = np.outer(x, x)\n    d = A.diagonal()\n    A[0, 0] = x[1] * 3.0\n"
     "    return np.sum(d * x)", "d is a view of A"),
    ("B = np.outer(x, x)\n    for row in B:\n        row *= 2.0\n    return np.sum(B * x)",
     "row is a view of B"),
    ("y = x.copy()\n    z = np.zeros(3)\n    s = 0.0\n    for i in range(2):\n"
     "        z[0] = x[i]\n        s = s + np.sum(y * x)\n        z = y\n    return s",
     "z and y name the same array"),
])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_writes_adjoint_cannot_follow_are_refused(tmp_path, body, words, mode):
    """Each would be a silently wrong derivative: refused at the user's line instead."""
    path = tmp_path / "hidden_write.py"
    mod = load_module(path, f"import numpy as np\n\n{HELPER}def f(x):\n    {body}\n")
    x = np.arange(3.0)
    with pytest.raises(adjoint.UnsupportedSyntaxError) as info:
        if mode == "grad":
            adjoint.grad(mod.f)(x)
        else:
            adjoint.jvp(mod.f)(x, np.ones(3))
    msg = str(info.value)
    assert words in msg and f"{path.name}:" in msg and "hint:" in msg, msg
    np.testing.assert_array_equal(x, np.arange(3.0))


def alias_then_rebind(x, W):
    h = np.zeros(3)
    for t in range(3):
        h_prev = h          # a second name, but h is rebound, never changed in place
        h = np.tanh(W @ h_prev + x)
    return np.sum(h)


def alias_without_later_read(x):
    y = np.zeros(3)
    z = y
    z += x * x              # y is not read again: one name is all that matters
    return np.sum(z ** 2)


def rows_read_before_writes(x):
    y = np.zeros(4)
    for i in range(1, 4):
        prev = y[i - 1]     # an item (not a slice): a value, not a view
        y[i] = prev * 0.5 + x[i] ** 2
    return np.sum(y ** 2) + prev


def number_accumulator(x, a):
    total = a
    for i in range(3):
        total += a * x ** i  # numbers: += rebinds
    return total + a


def alias_of_constant(x):
    m = np.zeros(3)
    m2 = m
    m2[0] = 1.0             # only constants change: the forward sweep runs it as is
    return np.sum(m * x)


def view_taken_again_each_pass(x):
    y = x.copy()
    total = 0.0
    for i in range(3):
        seg = y[:2]                   # a fresh view every pass, read before the write
        total = total + np.sum(seg * seg)
        y[0] = y[0] * x[i]
    return total


def view_rebound_after_the_write(x):
    y = x.copy()
    v = y[:2]
    s = np.sum(v)
    y[0] = s * x[2]
    v = np.zeros(2)                   # v no longer views y when read
    return np.sum(v) + np.sum(y ** 2)


def view_rebound_by_unpacking(x):
    y = x.copy()
    top = y[:2]
    s = np.sum(top)
    top, bottom = x[:2] * 2.0, x[2:]
    y[0] = s * x[2]
    return np.sum(top * top) + np.sum(y ** 2) + np.sum(bottom)


@pytest.mark.parametrize("fn,args", [
    (view_taken_again_each_pass, (np.array([0.3, -0.2, 0.5]),)),
    (view_rebound_after_the_write, (np.array([0.3, -0.2, 0.5]),)),
    (view_rebound_by_unpacking, (np.array([0.3, -0.2, 0.5]),)),
    (alias_then_rebind, (np.array([0.3, -0.2, 0.5]), 0.4 * np.eye(3))),
    (alias_without_later_read, (np.array([0.3, -0.2, 0.5]),)),
    (rows_read_before_writes, (np.array([0.3, -0.2, 0.5, 0.9]),)),
    (number_accumulator, (1.3, 0.7)),
    (alias_of_constant, (np.array([0.3, -0.2, 0.5]),)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_second_names_that_are_safe_are_accepted(fn, args):
    """Aliases that are rebound, never read again, items (not slices), numbers, and
    constants: no false alarm, and the gradient matches finite differences."""
    assert_grad_matches(adjoint.grad(fn), fn, list(args))


def test_in_place_methods_on_constants_are_fine():
    def f(x):
        idx = [2, 0, 1]
        idx.sort()
        return np.sum(x[idx] ** 2)
    x = np.arange(3.0)
    np.testing.assert_allclose(adjoint.grad(f)(x), 2 * x)


def _dict_items_loss(p, x):
    total = 0.0
    for name, w in p.items():
        total = total + np.sum((w * x) ** 2)
    return total


def _dict_keys_loss(p, x):
    total = 0.0
    for k in p:
        total = total + np.sum(p[k] * x) ** 2
    return total


def _genexp_loss(p):
    return sum(np.sum(v ** 3) for v in p.values())


@pytest.mark.parametrize("fn", [_dict_items_loss, _dict_keys_loss, _genexp_loss])
def test_iterating_dicts_and_generator_expressions(fn):
    rng = np.random.default_rng(9)
    p = {"a": rng.normal(size=3), "b": rng.normal(size=(2, 3))}
    args = (p, rng.normal(size=3)) if fn is not _genexp_loss else (p,)
    got = adjoint.grad(fn)(*args)
    assert isinstance(got, dict) and sorted(got) == ["a", "b"]
    for key in p:
        want = np.zeros_like(p[key])
        for j in np.ndindex(p[key].shape):
            hi = {k: v.copy() for k, v in p.items()}
            lo = {k: v.copy() for k, v in p.items()}
            hi[key][j] += 1e-6
            lo[key][j] -= 1e-6
            want[j] = (fn(hi, *args[1:]) - fn(lo, *args[1:])) / 2e-6
        np.testing.assert_allclose(got[key], want, rtol=1e-5, atol=1e-7)


def test_writes_into_copies_are_fine():
    def f(x):
        y = np.zeros((2, 3))
        r = y.reshape(-1).copy()
        r[1] = x[0] * 3.0
        s = np.reshape(y, -1) * 1.0
        s[2] = x[1]
        return np.sum(r * r) + np.sum(s * s) + np.sum(y)
    x = np.array([0.5, -1.5])
    np.testing.assert_allclose(adjoint.grad(f)(x), numerical_grad(f, [x], 0), rtol=1e-6)


def repeated_index_add(x):
    y = np.zeros(3)
    y[[0, 0, 2]] += x[:3] ** 2
    return np.sum(y ** 2 * np.array([1.0, 2.0, 3.0]))


def repeated_index_2d(x):
    y = np.zeros((2, 2))
    y[[0, 0, 1], [1, 1, -2]] = x[:3] * x[3]
    return np.sum(y ** 2)


def repeated_index_scalar(x):
    y = np.zeros(3)
    y[[0, 0, -3, 2]] = x[0] * x[1]
    return np.sum(y * np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("fn", [repeated_index_add, repeated_index_2d,
                                repeated_index_scalar])
def test_a_repeated_index_in_a_write_keeps_the_last_value(fn):
    """NumPy keeps the last of several writes to one element, so only that value
    carries a gradient: grad, jvp, HVP and grad of grad against finite differences."""
    x = np.array([0.3, -0.2, 0.5, 0.9])
    assert_grad_matches(adjoint.grad(fn), fn, [x])
    v = np.array([1.0, 0.5, -0.7, 0.3])
    g = adjoint.grad(fn)
    fd = (g(x + 1e-6 * v) - g(x - 1e-6 * v)) / 2e-6
    np.testing.assert_allclose(adjoint.jvp(fn)(x, v)[1], np.dot(g(x), v), rtol=1e-10)
    np.testing.assert_allclose(adjoint.hessian_vector_product(fn)(x, v), fd, atol=1e-6)
    gg = adjoint.grad(adjoint.grad(fn))
    np.testing.assert_allclose(gg(x, grad_out2=v), fd, atol=1e-6)


def reduce_appended(x):
    out = []
    for xi in x:
        out.append(xi ** 2)
    return np.sum(out) + np.mean(out)


def reduce_comprehension(x):
    return np.sum([np.sin(xi) for xi in x])


def max_of_list(x):
    return np.max([x[0] ** 2, x[1]])


def dot_of_lists(x):
    return np.dot([x[0], x[1]], [x[2], 1.0])


def prod_and_norm_of_list(x):
    ys = [x[0], x[1] * 2.0, x[2]]
    return np.prod(ys) + np.linalg.norm(ys)


@pytest.mark.parametrize("fn", [reduce_appended, reduce_comprehension, max_of_list,
                                dot_of_lists, prod_and_norm_of_list])
def test_numpy_functions_given_a_python_list(fn):
    """NumPy reads a list as an array; the adjoint goes back to the list one element
    at a time (a list built by append is popped in the adjoint sweep). grad, jvp and
    HVP against finite differences."""
    x = np.array([0.7, 1.3, -0.4])
    assert_grad_matches(adjoint.grad(fn), fn, [x])
    v = np.array([0.3, -1.0, 0.6])
    np.testing.assert_allclose(adjoint.jvp(fn)(x, v)[1],
                               np.dot(numerical_grad(fn, [x], 0), v), rtol=1e-6)
    g = adjoint.grad(fn)
    fd = (g(x + 1e-6 * v) - g(x - 1e-6 * v)) / 2e-6
    np.testing.assert_allclose(adjoint.hessian_vector_product(fn)(x, v), fd, atol=1e-5)


def keys_as_numbers(x):
    d = {0: x[0], 1: x[1], 2: x[2]}
    tot = 0.0
    for k in d:
        tot += d[k] * k
    for k, v in d.items():
        tot += v * v * (k + 1)
    for k in d.keys():
        tot += np.sin(d[k]) * k
    return tot


def test_dict_keys_walked_by_a_loop_carry_no_tangent():
    """`for k in d`, `d.items()` and `d.keys()` with the key used as a number: the key's
    tangent is 0 (it was the key itself in forward mode)."""
    x = np.array([0.7, 1.3, -0.4])
    assert_grad_matches(adjoint.grad(keys_as_numbers), keys_as_numbers, [x])
    for v in np.eye(3):
        np.testing.assert_allclose(adjoint.jvp(keys_as_numbers)(x, v)[1],
                                   np.dot(numerical_grad(keys_as_numbers, [x], 0), v),
                                   rtol=1e-6)


def write_after_slice_read(x):
    y = np.ones(3)
    y[2] += x[0]
    y[1:] = y[1:] * x[1:3]  # y[1:] is read as a view, then written
    return np.sum(y ** 2)


def slice_updates(x):
    y = np.ones(6)
    y[1:3] += x[:2] ** 2
    y[::2] *= x[1:4]
    y[-1] -= x[0]
    y[4:] /= 2.0 + x[2]
    return np.sum(y ** 2)


def fancy_updates_2d(x):
    M = np.outer(x[:3], x[1:4])
    out = np.zeros((2, 3))
    out[0, [0, 2]] += M[0, :2]
    out[:, 1] = M[:2, 2]
    out[1] *= M[2, :]
    return np.sum(out ** 2)


@pytest.mark.parametrize("fn", [write_after_slice_read, slice_updates, fancy_updates_2d])
def test_second_derivatives_through_restored_slices(fn):
    """The adjoint sweep restores each overwritten item; differentiating it again must
    restore the item's tangent too (the tangent of the saved item was taken as zero)."""
    x = np.array([0.3, -0.8, 1.2, 0.6])
    v = np.array([1.0, 0.5, -0.7, 0.2])
    g = adjoint.grad(fn)
    assert_grad_matches(g, fn, [x])
    fd = (g(x + 1e-6 * v) - g(x - 1e-6 * v)) / 2e-6
    np.testing.assert_allclose(adjoint.hessian_vector_product(fn)(x, v), fd, atol=1e-5)
    np.testing.assert_allclose(adjoint.grad(g)(x, grad_out2=v), fd, atol=1e-5)


def weights_only_penalty(params):
    total = 0.0
    for k, v in params.items():
        if k.startswith("W"):
            total = total + np.sum(v * v * v)
    return total


def test_dict_walked_with_string_tests_on_its_keys():
    """k.startswith(...) on a key carries no gradient (in both modes and in the HVP),
    and the gradient of a dict parameter is a plain dict."""
    p = {"W1": np.array([0.5, -0.3]), "b1": np.array([0.1, 0.2])}
    g = adjoint.grad(weights_only_penalty)(p)
    assert type(g) is dict
    np.testing.assert_allclose(g["W1"], 3 * p["W1"] ** 2)
    np.testing.assert_allclose(g["b1"], 0.0)
    v = {"W1": np.array([1.0, -0.5]), "b1": np.array([0.3, 0.3])}
    hv = adjoint.hessian_vector_product(weights_only_penalty)(p, v)
    np.testing.assert_allclose(hv["W1"], 6 * p["W1"] * v["W1"])
    np.testing.assert_allclose(hv["b1"], 0.0)
    assert adjoint.jvp(weights_only_penalty)(p, v)[1] == pytest.approx(
        np.sum(3 * p["W1"] ** 2 * v["W1"]))


def cubes_by_items(P):
    tot = 0.0
    for k, v in P.items():
        tot = tot + np.sum(v * v * v)
    for v in P.values():
        tot = tot + np.sum(np.sin(v))
    return tot


def test_tangent_dicts_are_matched_by_key_not_by_order():
    P = {"W": np.array([[1.0, 2.0], [3.0, 4.0]]), "U": np.array([0.5, -1.0])}
    D = {"U": np.array([1.0, 0.0]), "W": np.zeros((2, 2))}  # other key order
    want = 3 * 0.5 ** 2 + np.cos(0.5)
    np.testing.assert_allclose(adjoint.jvp(cubes_by_items)(P, D)[1], want)
    hv = adjoint.hessian_vector_product(cubes_by_items)(P, D)
    np.testing.assert_allclose(hv["U"], [6 * 0.5 - np.sin(0.5), 0.0])
    np.testing.assert_allclose(hv["W"], np.zeros((2, 2)))


def write_beside_a_view(x):
    y = np.zeros(6)
    y[:3] = x
    first = y[:3]
    y[3:] = first * 2.0       # y[3:] and y[:3] do not overlap: first is unchanged
    return np.sum(first * x) + np.sum(y ** 2)


def test_a_write_beside_a_view_is_accepted_and_one_over_it_refused(tmp_path):
    x = np.array([0.3, -0.2, 0.5])
    assert_grad_matches(adjoint.grad(write_beside_a_view), write_beside_a_view, [x])
    mod = load_module(tmp_path / "overlap.py", "import numpy as np\n\n\ndef f(x):\n"
                      "    y = np.zeros(6)\n    y[:3] = x\n    first = y[:3]\n"
                      "    y[2:] = x[0] * 2.0\n    return np.sum(first * x)\n")
    with pytest.raises(adjoint.UnsupportedSyntaxError, match="first is a view of y"):
        adjoint.grad(mod.f)(x)


def sliding_dot(x, k):
    out = np.zeros(x.shape[0] - 2)
    for i in range(x.shape[0] - 2):
        out[i] = np.dot(x[i:i + 3], k)
    return out


def sliding_loss(x, k):
    return np.sum(np.tanh(sliding_dot(x, k)) ** 2)


def test_an_adjoint_written_in_a_loop_is_copied_once_before_it(rng):
    """The reverse of `out[i] = v` zeroes bout[i]; bout (the caller's adjoint) is
    copied once before the loop, not on every pass (quadratic in len(out))."""
    x, k = rng.standard_normal(40), rng.standard_normal(3)
    g = adjoint.grad(sliding_loss, wrt=("x", "k"))
    assert_grad_matches(g, sliding_loss, (x, k), wrt=(0, 1))
    bwd = g.source[g.source.index("def sliding_dot_bwd"):]
    bwd = bwd[:bwd.index("return")]
    head, loop = bwd.split("for i in reversed(", 1)
    assert "rt.copy(" in head and "rt.copy(" not in loop


def get_with_defaults(p, x):
    w = p.get("w", 1.0)
    b = p.get("b", 0.5)
    return np.sum(np.tanh(w * x + b))


def get_array_default(p, b0):
    b = p.get("b", b0)
    return np.sum(p.get("w") * b) + np.sum(b ** 2)


def get_in_a_loop(p, x):
    total = 0.0
    for k in ["a", "b", "c"]:
        total = total + np.sum(np.sin(p.get(k, x)) ** 2)
    return total


@pytest.mark.parametrize("keys", [("w",), ("w", "b")])
def test_dict_get_takes_the_entry_or_the_default(keys, rng):
    """d.get(k, default): the entry's adjoint when d has k, else the default's; the
    gradient is a plain dict with d's keys."""
    p = {k: rng.standard_normal(3) for k in keys}
    x, b0 = rng.standard_normal(3), rng.standard_normal(3)
    for f, arg in ((get_with_defaults, x), (get_array_default, b0), (get_in_a_loop, x)):
        if f is get_in_a_loop:
            p = {k.replace("w", "a"): v for k, v in p.items()}
        gp, garg = adjoint.grad(f, wrt=("p", 1))(p, arg)
        assert type(gp) is dict and sorted(gp) == sorted(p)
        for k in p:
            want = numerical_grad(lambda v: f({**p, k: v}, arg), (p[k],), 0)
            np.testing.assert_allclose(gp[k], want, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(garg, numerical_grad(lambda a: f(p, a), (arg,), 0),
                                   rtol=1e-6, atol=1e-8)
        assert np.shape(garg) == np.shape(arg)
        v = rng.standard_normal(3)
        _, tangent = adjoint.jvp(f, wrt=1)(p, arg, v)
        np.testing.assert_allclose(tangent, garg @ v, rtol=1e-6, atol=1e-8)


def test_dict_get_second_derivative_against_the_closed_form(rng):
    """Without "b", get_array_default is w.b0 + |b0|^2 in b0: its Hessian is 2I."""
    p, b0, v = {"w": rng.standard_normal(3)}, rng.standard_normal(3), rng.standard_normal(3)
    hv = adjoint.hessian_vector_product(get_array_default, wrt="b0")(p, b0, v)
    np.testing.assert_allclose(hv, 2 * v, rtol=1e-10)
    p["b"] = rng.standard_normal(3)  # the default unused: no curvature in b0
    hv = adjoint.hessian_vector_product(get_array_default, wrt="b0")(p, b0, v)
    np.testing.assert_allclose(hv, 0 * v, atol=1e-12)


def row_scaled_in_place(M, x):
    row = M[0]
    row *= x              # a view of a 2-D M (M changes too), a number of a 1-D one
    return np.sum(M) + np.sum(row)


def rows_scaled_in_a_loop(M, x):
    total = 0.0
    for i in range(M.shape[0]):
        r = M[i]
        r *= x
        total = total + np.sum(M[i]) * np.sum(r)
    return total


@pytest.mark.parametrize("fn", [row_scaled_in_place, rows_scaled_in_a_loop])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_row_taken_by_an_integer_index_is_checked_when_it_runs(fn, mode):
    """`row = M[i]` is a view of a 2-D M (refused when written in place while M is
    read later, at the user's line) and a number of a 1-D M (differentiated)."""
    x = 1.3
    run = (lambda M: adjoint.grad(fn, wrt="x")(M, x)) if mode == "grad" else \
        (lambda M: adjoint.jvp(fn, wrt="x")(M, x, 1.0)[1])
    M = np.arange(1.0, 7.0).reshape(2, 3)
    with pytest.raises(adjoint.UnsupportedSyntaxError) as info:
        run(M)
    msg = str(info.value)
    assert "is a view of M" in msg and "test_containers.py:" in msg and "hint:" in msg
    np.testing.assert_array_equal(M, np.arange(1.0, 7.0).reshape(2, 3))
    v = np.array([1.0, 2.0, 3.0])
    want = numerical_grad(lambda x_: fn(v.copy(), x_), (x,), 0)
    np.testing.assert_allclose(run(v), want, rtol=1e-6)


def pair_subtracted(t, c):
    u = c - t                       # a tuple of numbers read as an array, and indexed
    return np.sum(u ** 2) + t[0] * t[1]


def test_a_tuple_parameter_subtracted_keeps_a_list_gradient():
    """`bt -= ...` on a list adjoint subtracts item by item (no ndarray appears)."""
    t, c = (0.3, 0.4), np.array([1.0, -2.0])
    got = adjoint.grad(pair_subtracted, wrt="t")(t, c)
    assert isinstance(got, (list, tuple)) and len(got) == 2
    for i in range(2):
        want = numerical_grad(lambda a, b: pair_subtracted((a, b), c), t, i)
        np.testing.assert_allclose(got[i], want, rtol=1e-6)


def scaled_layers(layers, lr):
    layers = [{k: L[k] * lr for k in L} for L in layers]
    return np.sum(layers[0]["w"] * layers[1]["b"]) + np.sum(np.tanh(layers[1]["w"]))


def test_a_dict_comprehension_inside_a_list_comprehension_walks_keys(rng):
    """`{k: L[k] ... for k in L}` for each L of a list: L is a dict (walked by keys)."""
    L = [{"w": rng.standard_normal(2), "b": rng.standard_normal(2)} for _ in range(2)]
    g_layers, g_lr = adjoint.grad(scaled_layers, wrt=(0, 1))(L, 0.5)
    np.testing.assert_allclose(g_lr, numerical_grad(lambda lr: scaled_layers(L, lr),
                                                    (0.5,), 0), rtol=1e-6)
    for i in range(2):
        for k in ("w", "b"):
            def f(v, i=i, k=k):
                return scaled_layers([{**d, k: v} if j == i else d
                                      for j, d in enumerate(L)], 0.5)
            np.testing.assert_allclose(g_layers[i][k], numerical_grad(f, (L[i][k],), 0),
                                       rtol=1e-6, atol=1e-9)
    _, t = adjoint.jvp(scaled_layers, wrt=1)(L, 0.5, 1.0)
    np.testing.assert_allclose(t, numerical_grad(lambda lr: scaled_layers(L, lr),
                                                 (0.5,), 0), rtol=1e-6)


def neighbour_products(x):
    t = np.sum(np.sin(x))       # read whole first: its adjoint starts as the number 0.0
    s = 0.0
    for i in range(1, x.shape[0]):
        s = s + x[i] * x[i - 1]
    return s + t


def test_element_reads_in_a_loop_add_into_the_adjoint_in_place(rng):
    """Each x[i] read adds its adjoint into bx itself (rt.add_item), not through a
    full-size array of zeros per read; the first read finds bx still 0.0."""
    x = rng.standard_normal(7)
    g = adjoint.grad(neighbour_products)
    assert "rt.add_item(bx" in g.source and "+= rt.getitem_grad" not in g.source
    assert_grad_matches(g, neighbour_products, (x,))
    v = rng.standard_normal(7)
    hv = adjoint.hessian_vector_product(neighbour_products)(x, v)
    hess = np.diag(-np.sin(x)) + np.eye(7, k=1) + np.eye(7, k=-1)
    np.testing.assert_allclose(hv, hess @ v, rtol=1e-10, atol=1e-12)
    gg = adjoint.grad(adjoint.grad(neighbour_products))(x, grad_out2=v)
    np.testing.assert_allclose(gg, hess @ v, rtol=1e-10, atol=1e-12)


def larger_of_lists(xs, ys):
    return np.sum(np.maximum(xs, ys) ** 2) + np.sum(np.minimum(xs, ys))


def test_maximum_and_minimum_of_lists_compare_element_by_element():
    """np.maximum(xs, ys) of two lists: the rule compares them as arrays (xs >= ys
    of two lists is one bool, which sent every gradient to the same side)."""
    xs, ys = [0.3, 2.0, -1.0], [0.5, 1.0, -2.0]
    gx, gy = adjoint.grad(larger_of_lists, wrt=(0, 1))(xs, ys)
    xa, ya = np.array(xs), np.array(ys)
    np.testing.assert_allclose(gx, numerical_grad(larger_of_lists, (xa, ya), 0), rtol=1e-6)
    np.testing.assert_allclose(gy, numerical_grad(larger_of_lists, (xa, ya), 1), rtol=1e-6)
    _, t = adjoint.jvp(larger_of_lists, wrt=0)(xs, ys, [1.0, 1.0, 1.0])
    along = (larger_of_lists(xa + 1e-6, ya) - larger_of_lists(xa - 1e-6, ya)) / 2e-6
    np.testing.assert_allclose(t, along, rtol=1e-6)


def list_sum_of_squares(xs, ys):
    return np.sum(np.add(xs, ys) ** 2)


@pytest.mark.parametrize("kind", [list, tuple])
def test_a_list_given_to_numpy_gets_a_gradient_of_its_kind(kind):
    """np.add(xs, ys) reads the lists as arrays; their gradients come back as the
    caller's kind of container (as the README promises), with the right values."""
    xs, ys = kind([0.3, -0.7, 1.2]), kind([0.9, 0.1, -0.4])
    gx, gy = adjoint.grad(list_sum_of_squares, wrt=(0, 1))(xs, ys)
    assert type(gx) is kind and type(gy) is kind and len(gx) == 3
    want = 2 * (np.array(xs) + np.array(ys))
    np.testing.assert_allclose(gx, want)
    np.testing.assert_allclose(gy, want)


def nan_tolerant(a, b):
    return np.sum(np.fmax(a, b) * 2.0) + np.sum(np.fmin(a, b))


def test_fmax_and_fmin_give_the_gradient_to_the_operand_they_keep_over_a_nan():
    """fmax(nan, b) is b: b takes the gradient (both sides got none)."""
    a, b = np.array([np.nan, 1.0, 2.0]), np.array([0.5, np.nan, 3.0])
    ga, gb = adjoint.grad(nan_tolerant, wrt=(0, 1))(a, b)
    np.testing.assert_array_equal(ga, [0.0, 3.0, 1.0])  # fmax keeps b, a, b; fmin b, a, a
    np.testing.assert_array_equal(gb, [3.0, 0.0, 2.0])


def element_by_a_flag(x):
    return x[x[0] > 0] * x[2]


def test_an_element_read_by_a_boolean_flag_is_not_a_number():
    """x[flag] of a vector adds an axis ((1, n)), so it stays on the general version."""
    x = np.array([0.3, -1.2, 2.5])
    g = adjoint.grad(element_by_a_flag)(x, grad_out=np.ones((1, 3)))
    np.testing.assert_allclose(g, [2.5, 2.5, 2.5 + np.sum(x)])


def cube_of_a_chosen_element(x):
    i = 0
    if x[0] > 0:
        i = 1
    return x[i] ** 3


@pytest.mark.parametrize("kind", [list, tuple])
def test_an_indexed_list_parameter_gets_a_plain_gradient_of_its_kind(kind):
    """The adjoint of a list read by index is the internal GradList; the caller gets
    a plain list or tuple."""
    x = kind([0.5, 2.0, -1.0])
    g = adjoint.grad(cube_of_a_chosen_element)(x)
    assert type(g) is kind
    np.testing.assert_allclose(g, [0.0, 12.0, 0.0])
