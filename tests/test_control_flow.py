"""Control flow in reverse mode: every construct against finite differences."""
import numpy as np
import pytest

import adjoint
import control_cases as cc
from conftest import assert_grad_matches, load_module, numerical_grad


def check(fn, args, wrt=(0,)):
    g = adjoint.grad(fn, wrt=tuple(wrt))
    assert_grad_matches(g, fn, args, wrt=tuple(wrt))


R = np.random.default_rng(5)


BRANCHES = [
    (cc.if_else, [R.normal(size=3), True], [0]),
    (cc.if_else, [R.normal(size=3), False], [0]),
    (cc.if_elif, [1.5], [0]), (cc.if_elif, [0.5], [0]), (cc.if_elif, [-0.5], [0]),
    (cc.if_no_else, [0.7], [0]), (cc.if_no_else, [0.2], [0]),
    (cc.nested_if, [0.5, 0.7], [0, 1]), (cc.nested_if, [0.5, -0.7], [0, 1]),
    (cc.nested_if, [-0.5, 0.7], [0, 1]),
    (cc.bool_ops, [0.5, 0.7], [0, 1]), (cc.bool_ops, [-6.0, 0.7], [0, 1]),
    (cc.bool_ops, [-1.0, 0.7], [0, 1]),
    (cc.ternary, [0.5], [0]), (cc.ternary, [-0.5], [0]), (cc.ternary, [1.5], [0]),
]


@pytest.mark.parametrize("fn,args,wrt", BRANCHES)
def test_branches_both_sides(fn, args, wrt):
    check(fn, args, wrt)


LOOPS = [
    (cc.range_loops, [0.3, 4], [0]),
    (cc.zero_trip, [0.7, 0], [0]), (cc.zero_trip, [0.7, 3], [0]),
    (cc.loop_over_rows, [R.normal(size=(4, 3)), R.normal(size=3)], [0, 1]),
    (cc.loop_enumerate_zip, [R.normal(size=(3, 2)), R.normal(size=(4, 2))], [0, 1]),
    (cc.loop_over_tuple, [0.4], [0]),
    (cc.nested_loops, [0.8, 4], [0]),
    (cc.while_counter, [0.3], [0]),
    (cc.while_threshold, [0.5], [0]), (cc.while_threshold, [20.0], [0]),
    (cc.newton, [2.0], [0]),
    (cc.data_dependent_trips, [0.5], [0]), (cc.data_dependent_trips, [1.5], [0]),
]


@pytest.mark.parametrize("fn,args,wrt", LOOPS)
def test_loops(fn, args, wrt):
    check(fn, args, wrt)


JUMPS = [
    (cc.break_loop, [0.7, -1.0], [0]),    # breaks on the first iteration
    (cc.break_loop, [0.7, 1.0], [0]),     # breaks in the middle
    (cc.break_loop, [0.2, 100.0], [0]),   # never breaks: runs to the end
    (cc.nested_break, [0.3], [0]),
    (cc.continue_loop, [np.array([1.0, -2.0, 3.0, -0.5])], [0]),
    (cc.continue_loop, [np.array([-1.0, -2.0])], [0]),
    (cc.while_break, [0.3], [0]),
    (cc.early_return, [2.0], [0]), (cc.early_return, [0.5], [0]),
    (cc.return_in_loop, [1.0], [0]), (cc.return_in_loop, [0.01], [0]),
    (cc.return_in_nested_loop, [0.5], [0]), (cc.return_in_nested_loop, [-3.0], [0]),
    # `a and b` whose first operand holds and second fails (the flag once changed
    # inside the branch the reverse sweep replays), every combination
    (cc.and_in_loop, [1.4, 0.8], [0, 1]), (cc.and_in_loop, [1.4, 3.5], [0, 1]),
    (cc.and_in_loop, [0.4, 3.5], [0, 1]), (cc.and_in_loop, [0.4, 0.8], [0, 1]),
    (cc.and_return_in_loop, [1.4, 0.8], [0, 1]), (cc.and_return_in_loop, [1.4, 3.5], [0, 1]),
    (cc.and_return_in_loop, [0.4, 0.8], [0, 1]),
    (cc.or_chain_in_loop, [2.5, 0.3], [0, 1]), (cc.or_chain_in_loop, [1.2, 0.3], [0, 1]),
    (cc.or_chain_in_loop, [1.2, 1.5], [0, 1]),
    # a branch that overwrites an active name with a value without a gradient (its
    # reverse zeroes the adjoint, so it is replayed from its test on every pass)
    (cc.overwritten_by_constant_in_loop, [0.5, 0.7], [0, 1]),
    (cc.overwritten_by_counter_in_loop, [0.5, 0.7], [0, 1]),
    (cc.break_in_one_branch, [0.5, 0.7], [0, 1]),
    (cc.dead_inner_loop_then_break, [-0.78, -0.27, 0.23], [0, 1, 2]),
    (cc.dead_inner_loop_then_break, [2.5, -0.27, 0.23], [0, 1, 2]),
]


@pytest.mark.parametrize("fn,args,wrt", JUMPS)
def test_jumps(fn, args, wrt):
    check(fn, args, wrt)
    if all(np.ndim(a) == 0 for a in args):  # the version for arrays too (0-d)
        g = adjoint.grad(fn, wrt=tuple(wrt))(*[np.array(a) for a in args])
        for gi, i in zip(g if isinstance(g, tuple) else (g,), wrt):
            assert gi == pytest.approx(numerical_grad(fn, args, i), rel=1e-5, abs=1e-6)


def test_break_on_last_iteration():
    # the sum passes the limit exactly when i == 9, the last iteration
    x = 0.5
    partial = [0.0]
    for i in range(10):
        partial.append(partial[-1] * (x if i else 1) + np.sin(x * i))
    limit = 1e9
    check(cc.break_loop, [x, limit], [0])


def test_statements_without_effect(capsys):
    check(cc.statements_without_effect, [R.normal(size=3)])
    assert "shape" in capsys.readouterr().out


def test_rnn_matches_finite_differences():
    args = [0.5 * R.normal(size=(5, 5)), R.normal(size=(5, 3)), R.normal(size=(7, 3)),
            R.normal(size=5)]
    check(cc.rnn, args, [0, 1, 2, 3])


def test_rnn_records_only_what_the_adjoint_needs():
    """Per time step the forward sweep pushes the previous hidden state, and of one
    temporary only its shape (the broadcast adjoint needs nothing else of it)."""
    g = adjoint.grad(cc.rnn, wrt="Wh")
    pushes = [line.strip() for line in g.source.splitlines() if "_push(" in line]
    assert pushes == ["_push(rt.shape_only(Wh_h))", "_push(h)"], pushes
    # and the count is exact at run time: 2 pushes per step, all popped again
    T = 6
    args = [np.eye(4) * 0.5, np.ones((4, 2)), np.ones((T, 2)), np.ones(4)]
    counts = []

    class CountingList(list):
        def append(self, v):
            counts.append(1)
            super().append(v)
    src = g.source.replace("_stack = []", "_stack = CountingList()")
    assert src != g.source
    ns = {"CountingList": CountingList}
    exec(compile(src, "<counting>", "exec"), ns)
    ns[g.__name__](*args)
    assert len(counts) == 2 * T


def test_recorded_values_are_not_copies_of_untouched_inputs():
    g = adjoint.grad(cc.loop_over_rows, wrt="w")
    assert "_push(X" not in g.source and "_push(w" not in g.source


@pytest.mark.parametrize("src,words", [
    ("def f(x):\n    for i in range(3):\n        x = x * 2\n    else:\n        x = 1\n"
     "    return x\n", "for-else"),
    ("def f(x):\n    while x < 3:\n        x = x * 2\n    else:\n        x = 1\n"
     "    return x\n", "while-else"),
    ("def f(x):\n    try:\n        x = x * 2\n    except Exception:\n        pass\n"
     "    return x\n", "try/except"),
    ("def f(x):\n    yield x\n", "yield"),
])
def test_unsupported_control_flow(tmp_path, src, words):
    mod = load_module(tmp_path / "cf_bad.py", src)
    with pytest.raises(adjoint.UnsupportedSyntaxError) as info:
        adjoint.grad(mod.f)
    assert words in str(info.value) and "cf_bad.py:" in str(info.value)


def test_loop_products_are_batched_and_exact():
    """`bW += rt.matmul_ga(g, W, v)` per step becomes one product after the loop."""
    g = adjoint.grad(cc.rnn, wrt="Wh")
    assert "rt.matmul_ga_sum(bWh_terms, Wh)" in g.source
    assert "rt.matmul_ga(" not in g.source.split("def drnn_dWh")[1]
    # vectors: one matrix product; matrices (a batch of states): the summing fallback
    check(cc.rnn, [0.5 * R.normal(size=(5, 5)), R.normal(size=(5, 3)),
                   R.normal(size=(6, 3)), R.normal(size=5)], [0])
    check(cc.batched_rnn, [0.4 * R.normal(size=(4, 4)), R.normal(size=(3, 4, 2)),
                           R.normal(size=(4, 2))], [0, 1, 2])
    g2 = adjoint.grad(cc.right_product_loop)
    assert "rt.matmul_gb_sum(" in g2.source
    check(cc.right_product_loop, [R.normal(size=(3, 2)), R.normal(size=(5, 3))], [0, 1])


def test_second_derivatives_use_the_unbatched_gradient():
    g = adjoint.grad(cc.rnn, wrt="Wh")
    assert "_sum(" not in g.differentiable().source


def test_fstrings_in_prints_are_fine(capsys):
    g = adjoint.grad(cc.prints_progress)
    assert_grad_matches(g, cc.prints_progress, [0.7])
    assert "step 2: 3.052" in capsys.readouterr().out


def rnn_in_place(x, W):
    h = np.zeros(3)
    for t in range(3):
        h_prev = h                     # the same array as h, read before the write
        h[:] = np.tanh(W @ h_prev + x)
    return np.sum(h * h)


def test_products_are_not_batched_when_the_loop_writes_items_back():
    """h_prev is another name for h, which the adjoint sweep restores in place each
    iteration: products kept for after the loop would all see the last restore."""
    x = np.array([0.3, -0.2, 0.5])
    W = np.array([[0.5, 0.1, -0.3], [0.2, 0.4, 0.1], [-0.1, 0.3, 0.6]])
    g = adjoint.grad(rnn_in_place, wrt=(0, 1))
    assert "_sum(" not in g.source
    assert_grad_matches(g, rnn_in_place, [x, W], wrt=(0, 1))


def counter_reuses_a_name(x):
    b = x * 2.0
    s = b
    for b in range(3):           # b now counts: its old derivative is gone
        s = s + b * x
    for i, b in enumerate([1.0, 2.0]):
        s = s + b * x * i
    return s


def summed_counter_reuse(x):
    return np.sum(counter_reuses_a_name(x))


def test_a_loop_counter_reusing_a_name_drops_the_old_derivative():
    f = counter_reuses_a_name
    assert_grad_matches(adjoint.grad(f), f, [1.5])
    np.testing.assert_allclose(adjoint.jvp(f)(1.5, 1.0)[1], 7.0)  # 2 + 0+1+2 + 2
    x = np.array([1.5, -0.5])
    assert_grad_matches(adjoint.grad(summed_counter_reuse), summed_counter_reuse, [x])


def last_product_unused(w, X):
    s = 0.0
    h = w
    for k in range(3):
        s = s + np.sum(np.tanh(h))
        h = X @ h              # the last product is never read: its adjoint is 0.0
    return s


def sgd_steps(w, b, X):
    for k in range(2):
        p = np.tanh(X @ w + b)
        w = w - 0.5 * X.T @ p
    return np.sum(np.tanh(X @ w + b))


def test_matrix_products_whose_adjoint_is_still_zero():
    X = np.array([[1.0, 0.5], [0.2, -0.3]])
    w = np.array([0.3, -0.2])
    assert_grad_matches(adjoint.grad(last_product_unused, wrt=(0, 1)), last_product_unused,
                        [w, X], wrt=(0, 1))
    X3 = np.array([[1.0, 0.5], [0.2, -0.3], [0.4, 0.1]])
    g = adjoint.grad(sgd_steps, wrt="b")
    gg = adjoint.grad(g, wrt="b")
    fd = (g(w, 0.1 + 1e-6, X3) - g(w, 0.1 - 1e-6, X3)) / 2e-6
    np.testing.assert_allclose(gg(w, 0.1, X3), fd, rtol=1e-6)


def counter_read_after_its_loop(x):
    i = x * 3.0
    s = 0.0
    for i in range(3):
        s = s + x
    return s + i * x          # i is 2 here, whatever it held before


def test_a_loop_kept_for_its_counter_alone():
    """The scalar fast path does not need the loop's work, but it needs the counter
    the loop leaves behind."""
    f = counter_read_after_its_loop
    np.testing.assert_allclose(adjoint.grad(f)(0.7), 5.0)
    np.testing.assert_allclose(adjoint.grad(f)(np.float64(0.7)), 5.0)
    np.testing.assert_allclose(adjoint.jvp(f)(0.7, 1.0)[1], 5.0)


def stop_early(a, z0):
    """An explicit-Euler fit that stops when the state grows too large; after the
    break, the state array (built from a list of numbers) is never read."""
    z = z0
    loss = 0.0
    for t in range(3):
        z = z + 0.1 * np.array([a * z[0], -z[1]])
        if np.max(z) > 1.5:
            loss = loss + 100.0
            break
        loss = loss + np.sum(z ** 2)
    return loss


@pytest.mark.parametrize("a", [0.5, 2.0])  # 2.0 breaks at t = 1
def test_a_break_leaving_a_list_built_array_without_gradient(a):
    """The array's adjoint is still the number 0.0 when the reverse meets
    np.array([...]): it spreads to every element (was 'float is not subscriptable')."""
    z0, h = np.array([1.0, 0.5]), 1e-4
    f = lambda a_: stop_early(a_, z0)  # noqa: E731
    first = (f(a + 1e-6) - f(a - 1e-6)) / 2e-6
    second = (f(a + h) - 2 * f(a) + f(a - h)) / h ** 2
    np.testing.assert_allclose(adjoint.grad(stop_early, wrt="a")(a, z0), first, rtol=1e-6)
    np.testing.assert_allclose(
        adjoint.hessian_vector_product(stop_early, wrt="a")(a, z0, 1.0), second, rtol=1e-5)
    gg = adjoint.grad(adjoint.grad(stop_early, wrt="a"), wrt="a")
    np.testing.assert_allclose(gg(a, z0), second, rtol=1e-5)


def fit_decay(k, y0, observed, dt=0.5):
    """A scalar simulation compared with data one element at a time."""
    y, loss, day = y0, 0.0, 0
    while day < len(observed):
        y = y - k * y * dt
        loss = loss + np.sum((np.log(y) - np.log(observed[day])) ** 2)
        day += 1
    return loss


@pytest.mark.parametrize("data", ["vector", "list", "column"])
def test_a_data_vector_read_by_element_keeps_the_numbers_fast_path(data):
    """`observed[day]` of a 1-D array or list of numbers is a number (checked on
    entry by rt.vectors); a 2-D column falls back to the general version."""
    obs = np.array([0.8, 0.55, 0.4, 0.3])
    observed = {"vector": obs, "list": list(obs), "column": obs[:, None]}[data]
    g = adjoint.grad(fit_decay, wrt=("k", "y0"))
    assert "rt.vectors(observed)" in g.source
    got = g(0.6, 1.1, observed)
    for i, arg in enumerate((0.6, 1.1)):
        def f(v, i=i):
            args = [0.6, 1.1]
            args[i] = v
            return fit_decay(*args, observed)
        want = (f(arg + 1e-6) - f(arg - 1e-6)) / 2e-6
        np.testing.assert_allclose(got[i], want, rtol=1e-6)


def element_loop(x):
    s = 0.0
    for i in range(len(x)):
        s = s + np.sum(np.sin(x[i]) ** 2 * x[i])
    return s


@pytest.mark.parametrize("kind", ["array", "list", "rows"])
def test_a_loop_over_a_vectors_elements_runs_on_numbers(kind):
    """Only x[i] and len(x) read x: behind rt.vectors(x) every value is a number and
    the gradient has no rt.unbroadcast; a 2-D x (rows) takes the general version."""
    x = np.linspace(0.1, 1.0, 6)
    arg = {"array": x, "list": list(x), "rows": x.reshape(3, 2)}[kind]
    g = adjoint.grad(element_loop)
    entry = g.source[g.source.index("def delement_loop"):]
    assert "if not rt.vectors(x):" in entry[:entry.index("\ndef ")]
    got = g(arg)
    assert type(got) is type(arg) and np.shape(got) == np.shape(arg)
    want = numerical_grad(element_loop, (np.asarray(arg, dtype=float),), 0)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6, atol=1e-9)


def walks_itself(x):
    s = 0.0
    for x in x:               # the loop variable takes the name of what it walks
        s = s + x * x
    return s


def rebound_in_one_branch(x, c):
    if c > 0:
        y = x * 2.0
    else:
        x = 1.0
        y = x * 2.0
    return np.sum(y)


def test_a_loop_walking_the_name_it_binds_and_a_parameter_rebound_in_a_branch():
    """`for x in x:` walks a copy of the sequence; a parameter's gradient has the
    shape and kind the argument had (x_in), whatever the body rebinds x to."""
    for x in ([1.0, 2.0], np.array([1.0, 2.0])):
        g = adjoint.grad(walks_itself)(x)
        assert type(g) is type(x)
        np.testing.assert_allclose(g, [2.0, 4.0])
    x = np.array([0.5, -1.0])
    g = adjoint.grad(rebound_in_one_branch, wrt="x")(x, -1.0)
    assert isinstance(g, np.ndarray) and g.shape == (2,) and not np.any(g)
    np.testing.assert_allclose(adjoint.grad(rebound_in_one_branch, wrt="x")(x, 1.0), [2.0, 2.0])
