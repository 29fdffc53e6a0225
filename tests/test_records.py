"""Namedtuples, dataclasses (frozen or not) and objects as parameters and results,
`grad_out` for a record result, and `wrt="self"`: every gradient against central
finite differences of the function, taken field by field (fd_fields)."""
import dataclasses
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
import pytest

import adjoint
from conftest import numerical_grad

Params = namedtuple("Params", "W b")


@dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray
    name: str = "layer"
    scale: float = 1.0


@dataclass(frozen=True)
class Frozen:
    W: np.ndarray
    b: np.ndarray


@dataclass
class Validated:
    W: np.ndarray

    def __post_init__(self):
        self.W = np.asarray(self.W, dtype=float)


class Model:
    def __init__(self, W, b):
        self.W, self.b, self.steps, self.label = W, b, 3, "model"

    def loss(self, x):
        return np.sum(np.tanh(self.W @ x + self.b) ** 2) * self.gain

    gain = 1.5  # a class attribute: read through self, differentiated too


rng = np.random.default_rng(7)
W, B, X = rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=3)


def fd_fields(f, args, i, names):
    """{field: central differences of f with respect to that field of args[i]}."""
    out = {}
    for name in names:
        value = getattr(args[i], name)

        def with_field(v, name=name):
            rec = args[i]
            if isinstance(rec, tuple):
                new = rec._replace(**{name: v})
            elif dataclasses.is_dataclass(rec):
                new = dataclasses.replace(rec, **{name: v})
            else:
                new = type(rec).__new__(type(rec))
                new.__dict__.update(vars(rec), **{name: v})
            return f(*args[:i], new, *args[i + 1:])
        out[name] = numerical_grad(with_field, [value], 0)
    return out


def assert_fields(got, want, rtol=1e-6):
    for name, w in want.items():
        g = got[name] if isinstance(got, dict) else getattr(got, name)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-8, err_msg=name)


# ---- parameters ----------------------------------------------------------------------
def layer_loss(layer, x):
    h = np.tanh(layer.W @ x + layer.b) * layer.scale
    return np.sum(h ** 2)


@pytest.mark.parametrize("record", [Params(W, B), Layer(W, B, "l1", 0.5), Frozen(W, B)])
def test_record_parameter_gradient_has_its_type(record):
    def loss(p, x):
        return np.sum(np.tanh(p.W @ x + p.b) ** 2)
    got = adjoint.grad(loss)(record, X)
    assert type(got) is type(record)
    assert_fields(got, fd_fields(loss, [record, X], 0, ["W", "b"]))


def test_dataclass_fields_that_carry_no_gradient_are_none():
    layer = Layer(W, B, "l1", 0.5)
    got = adjoint.grad(layer_loss)(layer, X)
    assert got.name is None and layer.name == "l1"  # the caller's object is unchanged
    assert_fields(got, fd_fields(layer_loss, [layer, X], 0, ["W", "b", "scale"]))


def unpacked(p, x):
    W, b = p  # a namedtuple is a tuple too: p[0] and p.W are one field
    return np.sum((W @ x) * p.b) + np.sum(p.W * b)


def test_namedtuple_read_by_index_and_by_attribute():
    p = Params(W, B)
    got = adjoint.grad(unpacked)(p, X)
    assert type(got) is Params
    assert_fields(got, fd_fields(unpacked, [p, X], 0, ["W", "b"]))


def deep(layers, x):
    for layer in layers:
        x = np.tanh(layer.W @ x + layer.b)
    return np.sum(x ** 2)


def test_a_list_of_dataclasses_in_a_loop():
    layers = [Layer(W, B), Layer(0.5 * W, -B)]
    got = adjoint.grad(deep)(layers, X)
    assert type(got) is list and all(type(g) is Layer for g in got)
    for k in range(2):
        def one(layer, x, k=k):
            return deep([layer if j == k else layers[j] for j in range(2)], x)
        assert_fields(got[k], fd_fields(one, [layers[k], X], 0, ["W", "b"]))


def via_helper(layer, x):
    return layer_loss(layer, x) + np.sum(layer.W ** 2)


def test_a_record_passed_to_a_helper():
    layer = Layer(W, B, "l", 2.0)
    got = adjoint.grad(via_helper)(layer, X)
    assert_fields(got, fd_fields(via_helper, [layer, X], 0, ["W", "b", "scale"]))


# ---- results and grad_out --------------------------------------------------------------
def step(p, lr):
    return Params(p.W - lr * p.W ** 2, Frozen(p.b * 2.0, p.b).W)


def test_record_result_with_a_record_grad_out():
    p, seed = Params(W, B), Params(np.ones_like(W), np.arange(3.0))
    got = adjoint.grad(step)(p, 0.1, grad_out=seed)
    assert type(got) is Params

    def inner(q, lr):  # <seed, step(q)>: its gradient is the vector-Jacobian product
        out = step(q, lr)
        return np.sum(out.W * seed.W) + np.sum(out.b * seed.b)
    assert_fields(got, fd_fields(inner, [p, 0.1], 0, ["W", "b"]))


def test_record_result_without_grad_out_is_a_clear_error():
    with pytest.raises(adjoint.NonScalarOutputError, match="returned a Params"):
        adjoint.grad(step)(Params(W, B), 0.1)


def make_layer(w, b, x):
    layer = Layer(W=w * 2.0, b=b)
    return layer_loss(layer, x)


def test_a_dataclass_made_inside_the_function():
    got = adjoint.grad(make_layer, wrt=(0, 1))(W, B, X)
    for i in (0, 1):
        np.testing.assert_allclose(got[i], numerical_grad(make_layer, [W, B, X], i),
                                   rtol=1e-6)


def validated(w):
    return np.sum(Validated(w).W)


def test_a_dataclass_whose_init_does_more_is_refused_inside():
    with pytest.raises(adjoint.NoGradientRuleError, match="__init__ may change"):
        adjoint.grad(validated)(W)


# ---- forward mode and second order ----------------------------------------------------
def test_jvp_hvp_and_grad_of_grad_of_a_record():
    layer, d = Layer(W, B, "l", 0.5), Layer(np.ones_like(W), 0.5 * B, "d", 1.0)
    fd = fd_fields(layer_loss, [layer, X], 0, ["W", "b", "scale"])
    want = sum(np.sum(fd[k] * getattr(d, k)) for k in fd)
    np.testing.assert_allclose(adjoint.jvp(layer_loss)(layer, X, d)[1], want, rtol=1e-6)
    hv = adjoint.hessian_vector_product(layer_loss)(layer, X, d)
    eps = 1e-5

    def moved(t):
        return Layer(W + t * d.W, B + t * d.b, "l", 0.5 + t * d.scale)
    g_hi, g_lo = (adjoint.grad(layer_loss)(moved(t), X) for t in (eps, -eps))
    for k in ("W", "b", "scale"):  # H v: differences of the gradient (checked above)
        np.testing.assert_allclose(getattr(hv, k), (getattr(g_hi, k) - getattr(g_lo, k))
                                   / (2 * eps), rtol=1e-5, atol=1e-7)

    gg = adjoint.grad(w_part)(layer, X)
    assert_fields(gg, fd_fields(w_part, [layer, X], 0, ["W", "b"]), rtol=1e-5)


dlayer_loss = adjoint.grad(layer_loss)
ONES = np.ones((3, 3))


def w_part(layer, x):
    g = dlayer_loss(layer, x)
    return np.sum(g.W * ONES)


# ---- wrt="self" -------------------------------------------------------------------------
def test_gradient_with_respect_to_self_is_a_dict_of_attributes():
    model = Model(W, B)
    got = adjoint.grad(model.loss, wrt="self")(X)
    assert set(got) == {"W", "b", "steps", "gain"}  # numbers and arrays; not the label
    want = fd_fields(Model.loss, [model, X], 0, ["W", "b"])
    assert_fields(got, want)
    eps = 1e-6
    Model.gain += eps
    hi = model.loss(X)
    Model.gain -= 2 * eps
    lo = model.loss(X)
    Model.gain += eps
    np.testing.assert_allclose(got["gain"], (hi - lo) / (2 * eps), rtol=1e-6)
    both = adjoint.grad(Model.loss, wrt=("self", "x"))(model, X)
    assert_fields(both[0], want)
    np.testing.assert_allclose(both[1], numerical_grad(model.loss, [X], 0), rtol=1e-6)


def test_a_position_selecting_self_is_still_refused():
    with pytest.raises(adjoint.WrtError, match="wrt='self'"):
        adjoint.grad(Model.loss)(Model(W, B), X)
