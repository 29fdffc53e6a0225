"""Bad input gets a specific error that names the user's file and line."""
import numpy as np
import pytest

import adjoint
import error_cases as ec
from conftest import load_module
from adjoint.errors import (AdjointError, NoGradientRuleError, NonScalarOutputError,
                            SourceUnavailableError, UnsupportedSyntaxError, WrtError)

FILE = "error_cases.py"


@pytest.mark.parametrize("fn,line,words", [
    (ec.uses_try, 6, "try/except"),
    (ec.uses_class, 13, "class definitions"),
    (ec.uses_with, 19, "with statements"),
    (ec.uses_generator, 25, "yield"),
    (ec.uses_global, 29, "global"),
    (ec.uses_walrus, 34, ":="),
    (ec.uses_star_args, 37, "*args"),
    (ec.mutate_global, 46, "mutating the global CACHE"),
    (ec.for_else, 58, "for-else"),
    (ec.uses_async, 69, "async functions"),
    (ec.uses_nonlocal, 77, "nonlocal"),
    (ec.uses_star_call, 84, "star arguments"),
    (ec.uses_import, 88, "imports inside the function"),
    (ec.uses_del, 94, "del statements on items"),
    (ec.uses_yield_from, 99, "yield from"),
    (ec.uses_set, 107, "set literals"),
    (ec.uses_match, 116, "match statements"),
    (ec.only_star_args, 139, "*args parameters"),   # before wrt=0 can be "out of range"
    (ec.only_star_kwargs, 143, "**kwargs parameters"),
    (ec.uses_complex, 156, "complex numbers"),
])
def test_unsupported_syntax(fn, line, words):
    with pytest.raises(UnsupportedSyntaxError) as info:
        adjoint.grad(fn)
    msg = str(info.value)
    assert f"{FILE}:{line}:" in msg and words in msg
    assert "hint:" in msg
    assert info.value.where.lineno == line


def test_no_rule_names_function_and_line():
    with pytest.raises(NoGradientRuleError) as info:
        adjoint.grad(ec.no_rule)
    msg = str(info.value)
    assert f"{FILE}:42:" in msg and "np.fft.fft" in msg and "defrule" in msg


def test_call_without_rule_is_fine_when_not_differentiated():
    g = adjoint.grad(ec.opaque_unused)(np.ones(3), np.ones(4))
    np.testing.assert_allclose(g, 2 * np.ones(3))


@pytest.mark.parametrize("wrt,words", [(5, "out of range"), (-6, "out of range"),
                                       ("nope", "names no parameter"),
                                       ((0, "x"), "twice"), ((), "empty"),
                                       (1.5, "neither"), (True, "neither")])
def test_bad_wrt(wrt, words):
    with pytest.raises(WrtError) as info:
        adjoint.grad(ec.nonscalar, wrt=wrt)
    assert words in str(info.value) and FILE in str(info.value)


def test_nonscalar_output_needs_grad_out():
    g = adjoint.grad(ec.nonscalar)
    with pytest.raises(NonScalarOutputError) as info:
        g(np.ones(3))
    assert "grad_out" in str(info.value) and f"{FILE}:50" in str(info.value)
    np.testing.assert_allclose(g(np.zeros(3), grad_out=np.ones(3)), np.ones(3))


def test_source_unavailable_exec():
    ns = {}
    exec("def f(x):\n    return x * 2\n", ns)
    with pytest.raises(SourceUnavailableError) as info:
        adjoint.grad(ns["f"])
    assert "<string>" in str(info.value) and "hint:" in str(info.value)


@pytest.mark.parametrize("fn", [np.sin, len, max, np.sum])
def test_builtin_or_c_function(fn):
    with pytest.raises(SourceUnavailableError) as info:
        adjoint.grad(fn)
    assert "wrap the call in a def" in str(info.value)


def test_every_error_is_an_adjoint_error():
    for cls in (UnsupportedSyntaxError, NoGradientRuleError, WrtError,
                SourceUnavailableError, NonScalarOutputError):
        assert issubclass(cls, AdjointError)


def test_message_shows_source_line_and_caret():
    with pytest.raises(UnsupportedSyntaxError) as info:
        adjoint.grad(ec.uses_walrus)
    lines = str(info.value).splitlines()
    assert lines[1].strip() == "return (y := x * 2) + y  # line 34"
    assert lines[2].strip() == "^"


def test_runtime_error_names_generated_and_user_line():
    g = adjoint.grad(ec.shape_bug, wrt=(0, 1))
    with pytest.raises(ValueError) as info:
        g(np.ones((4, 3)), np.ones(4))
    note = "\n".join(getattr(info.value, "__notes__", []))
    assert "in generated line" in note and "W_x = W @ x" in note
    assert f"{FILE}:129:" in note and "return np.sum(np.tanh(W @ x))" in note


def test_a_grad_out_of_the_wrong_shape_is_refused_not_broadcast():
    """A grad_out that NumPy would broadcast silently (a scalar, an extra axis) or
    could not use is named with both shapes, and the note points at the user's line."""
    g = adjoint.grad(ec.nonscalar)
    for bad in (np.ones(4), np.ones((2, 3)), 1.0):
        with pytest.raises(adjoint.NonScalarOutputError, match="grad_out has shape") as info:
            g(np.ones(3), grad_out=bad)
        assert "returned shape (3,)" in str(info.value) and f"{FILE}:50" in str(info.value)
        note = "\n".join(getattr(info.value, "__notes__", []))
        assert "(the adjoint sweep)" in note and f"{FILE}:51:" in note


def test_the_outer_seed_of_a_second_gradient_is_named_grad_out2():
    gg = adjoint.grad(adjoint.grad(ec.tanh_energy))
    x = np.array([0.3, -0.4])
    with pytest.raises(adjoint.NonScalarOutputError, match="grad_out2=") as info:
        gg(x)
    assert "pass grad_out=" not in str(info.value)
    v = np.array([1.0, 0.0])
    hvp = adjoint.hessian_vector_product(ec.tanh_energy)(x, v)
    np.testing.assert_allclose(gg(x, grad_out2=v), hvp)


def test_generated_source_is_unchanged_by_the_guard():
    g = adjoint.grad(ec.shape_bug)
    import inspect
    assert inspect.getsource(g) in g.source and "try:" not in g.source


def test_check_grad_true_and_false():
    rng = np.random.default_rng(0)
    W, x = rng.standard_normal((4, 3)), rng.standard_normal(3)
    assert adjoint.check_grad(ec.shape_bug, W, x, wrt=(0, 1)) is True
    assert adjoint.check_grad(ec.nonscalar, x) is True  # via a random grad_out
    assert adjoint.check_grad(ec.kink, 0.0, raise_exception=False) is False


def test_check_grad_raises_with_table():
    with pytest.raises(adjoint.GradcheckError) as info:
        adjoint.check_grad(ec.kink, 0.0)
    msg = str(info.value)
    assert isinstance(info.value, AdjointError) and f"{FILE}:121" in msg
    assert "max abs error" in msg and "5.00e-01" in msg and "NO" in msg


def test_tuple_output_needs_one_incoming_gradient_per_value():
    g = adjoint.grad(ec.two_outputs)
    with pytest.raises(NonScalarOutputError) as info:
        g(np.ones(2))
    assert "tuple of 2 values" in str(info.value) and "error_cases.py:" in str(info.value)
    np.testing.assert_allclose(g(np.ones(2), grad_out=(1.0, 0.5)), [2.0, 2.0])


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_value_reaching_a_parameter_its_rule_does_not_differentiate(mode, monkeypatch):
    """A rule for `x` only: a `w` that depends on the input would silently get a zero
    derivative, so it is an error at the user's line."""
    from adjoint.rules import registry
    monkeypatch.setattr(registry, "_RULES", dict(registry._RULES))  # undone afterwards
    monkeypatch.setattr(registry, "_KEEP", dict(registry._KEEP))
    registry.defrule(ec.scaled_sin, "x, w", x="g * np.cos(x) * w",
                     jvp={"x": "dx * np.cos(x) * w"})
    make = adjoint.grad if mode == "grad" else adjoint.jvp
    with pytest.raises(NoGradientRuleError) as info:
        make(ec.uses_partial_rule, wrt="w")
    msg = str(info.value)
    assert f"{FILE}:152:" in msg and "parameter w" in msg and "hint:" in msg
    x = np.array([0.1, 0.5])
    got = adjoint.grad(ec.uses_partial_rule)(x, 3.0, grad_out=np.ones(2))  # x works
    np.testing.assert_allclose(got, 6.0 * np.cos(x))


def test_calling_an_undefined_name_is_named(tmp_path):
    mod = load_module(tmp_path / "undefined_call.py",
                      "def f(x):\n    return undefined_helper(x) * 2.0\n")
    with pytest.raises(adjoint.UnsupportedSyntaxError) as info:
        adjoint.grad(mod.f)(1.0)
    msg = str(info.value)
    assert "name 'undefined_helper' is not defined" in msg and "undefined_call.py:2" in msg
    assert "define or import undefined_helper" in msg


@pytest.mark.parametrize("fn,words,hint", [
    (ec.calls_parameter, "fn is a local variable or parameter holding a function",
     "by its global name"),
    (ec.calls_a_number, "SCALE is not a function adjoint can call (float)", "def"),
])
def test_calls_that_cannot_be_resolved_say_why(fn, words, hint):
    with pytest.raises(adjoint.UnsupportedSyntaxError) as info:
        adjoint.grad(fn)(np.ones(2), *([np.sin] if fn is ec.calls_parameter else []))
    msg = str(info.value)
    assert words in msg and hint in msg and f"{FILE}:" in msg, msg


def test_an_unbound_method_is_not_differentiated_with_respect_to_self():
    x = np.array([1.0, -2.0])
    with pytest.raises(adjoint.WrtError, match="wrt=0 selects self") as info:
        adjoint.grad(ec.Scaler.scaled)(ec.Scaler(), x)
    assert "adjoint.grad(obj.scaled)" in str(info.value)
    np.testing.assert_allclose(adjoint.grad(ec.Scaler.scaled, wrt=1)(ec.Scaler(), x), 4 * x)
    np.testing.assert_allclose(adjoint.grad(ec.Scaler().scaled)(x), 4 * x)


def test_complex_values_are_refused_when_the_gradient_meets_them():
    """A complex argument gives no error at compile time (its type is not known), so
    the runtime stops it where the sweep meets it: the seed, a sum, a returned
    gradient. (A complex literal in the code is refused when compiling.)"""
    z = np.array([0.5, 1.5]) + 1j
    with pytest.raises(adjoint.UsageError, match="complex value was summed"):
        adjoint.grad(ec.tanh_energy)(z)
    with pytest.raises(adjoint.UsageError, match="returned a complex value"):
        adjoint.grad(ec.nonscalar)(z, grad_out=np.ones(2))
