"""The version for numbers re-runs loop iterations in its adjoint (recompute.py):
gradients against finite differences, and which loops are rewritten."""
import numpy as np
import pytest

import adjoint
import recompute_cases as rc
from benchmarks.workloads import scalar_loop as branchy
from golden_cases import newton_sqrt
from conftest import assert_grad_matches, numerical_grad


def numbers_version(g) -> str:
    """The source of the generated function for numbers (the first one)."""
    src = g.source
    start = src.index("def ")
    return src[start:src.index("\ndef ", start + 1)]


CASES = [
    (branchy, (0.7, 1.3), (0, 1)), (branchy, (0.2, 0.8), (0, 1)),
    (rc.two_carried, (0.4, 0.1, 2.0), (0, 1, 2)),
    (rc.reads_counter, (0.6, 0.9), (0, 1)),
    (rc.rebound_after, (0.3, 0.7), (0, 1)),
    (rc.invariant_changes, (0.3, 0.7), (0, 1)),
    (rc.one_branch_assigns, (1.0, 0.7), (0, 1)), (rc.one_branch_assigns, (-1.0, 0.7), (0, 1)),
    (rc.zero_trips, (0.4, 3), (0,)), (rc.zero_trips, (0.4, 0), (0,)),
    (rc.two_loops, (0.3, 0.2), (0, 1)),
    (rc.with_break, (0.5, 1.2), (0, 1)), (rc.with_break, (0.5, 0.5), (0, 1)),
    (rc.nested, (0.3, 0.2), (0, 1)),
    (rc.assigned_twice, (0.3, 1.1), (0, 1)),
    (rc.temp_read_after, (0.3, 1.1), (0, 1)),
    # y is set on some passes only and read on all: it is carried
    (rc.alternating_assign, (0.4, 0.7), (0, 1)),
    (rc.list_written_after, (0.4, 0.7), (0, 1)),
    (newton_sqrt, (2.0,), (0,)), (rc.damped_while, (0.8, 0.5), (0, 1)),
    (rc.damped_while, (-0.33, 1.1), (0, 1)), (rc.counter_read_after, (0.7,), (0,)),
    (rc.running_logsumexp, ([0.3, 1.2, -0.5, 2.0, 0.7], 1.0), (1,)),
    (rc.self_copy_in_branch, (0.5, 0.7), (0, 1)),
    (rc.overwritten_by_carried_constant, (0.28, 1.01), (0,)),
]


@pytest.mark.parametrize("fn,args,wrt", CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)])
def test_gradient(fn, args, wrt):
    g = adjoint.grad(fn, wrt=wrt)
    assert_grad_matches(g, fn, args, wrt=wrt)


@pytest.mark.parametrize("fn,args,wrt", CASES[:8],
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CASES[:8])])
def test_value_and_grad(fn, args, wrt):
    value, grads = adjoint.value_and_grad(fn, wrt=wrt)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    for gi, i in zip(grads, wrt):
        assert gi == pytest.approx(numerical_grad(fn, args, i), rel=1e-5, abs=1e-6)


def test_arrays_take_the_general_version():
    x = np.array(0.7)  # a 0-d array: the version with pushes
    g = adjoint.grad(branchy, wrt=0)(x, 1.3)
    assert g == pytest.approx(numerical_grad(branchy, (0.7, 1.3), 0), rel=1e-5)


@pytest.mark.parametrize("fn,saves", [
    # only the carried value, once per pass, at [i] of a list of the loop's length
    (branchy, ["_checkpoints[i] = x"]),
    (rc.two_carried, ["_checkpoints[i] = x"]),  # v is carried, but no adjoint reads it
    (rc.alternating_assign, ["_checkpoints[i] = (y, x)"]),  # several: one tuple
    (rc.reads_counter, ["_checkpoints[i] = x"]),
    (rc.rebound_after, ["_checkpoints[i] = x"]),
    (rc.two_loops, ["_checkpoints[i] = x", "_checkpoints2[j] = y"]),
    (rc.damped_while, ["_push(x)"]),   # a while loop: pushed; its pass counter is not
])
def test_rewritten_loops_save_only_the_carried_values(fn, saves):
    src = numbers_version(adjoint.grad(fn, wrt=(0, 1)))
    assert [line.strip() for line in src.splitlines() if "_push(" in line
            and "_stack" not in line or "] = " in line] == saves
    assert ("_stack" in src) == any("_push" in line for line in saves)


def test_values_only_the_adjoint_reads_leave_the_forward_loop():
    src = numbers_version(adjoint.grad(branchy, wrt=(0, 1)))
    forward = src[:src.index("bs = ")]
    assert "math.exp" not in forward  # s is not needed: its term is re-run backwards
    code = [line for line in src.splitlines() if not line.strip().startswith("#")]
    assert sum("math.exp" in line for line in code) == 1


@pytest.mark.parametrize("fn", [rc.invariant_changes, rc.nested, rc.assigned_twice])
def test_loops_that_do_not_qualify_keep_their_pushes(fn):
    src = numbers_version(adjoint.grad(fn, wrt=(0, 1)))
    assert src.count("_pop()") > 1 and "= _pop()\n" in src


def test_rebound_after_the_loop_restores_the_loop_end():
    src = numbers_version(adjoint.grad(rc.rebound_after, wrt=(0, 1)))
    assert "x_end = x" in src and "x = x_end" in src


def test_output_is_deterministic():
    a = adjoint.grad(rc.two_carried, wrt=(0, 1, 2)).source
    adjoint.clear_cache() if hasattr(adjoint, "clear_cache") else None
    b = adjoint.grad(rc.two_carried, wrt=(0, 1, 2)).source
    assert a == b


@pytest.mark.parametrize("fn,args,wrt", CASES[:12],
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CASES[:12])])
def test_hessian_vector_products_through_the_rewritten_gradient(fn, args, wrt):
    # forward mode over the gradient differentiates the checkpoints and fused lines
    i = wrt[-1]
    g = adjoint.grad(fn, wrt=i)
    hi, lo = list(args), list(args)
    hi[i] += 1e-5
    lo[i] -= 1e-5
    want = (g(*hi) - g(*lo)) / 2e-5
    got = adjoint.hessian_vector_product(fn, wrt=i)(*args, 1.0)
    assert got == pytest.approx(want, rel=1e-4, abs=1e-5)
