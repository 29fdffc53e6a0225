"""eigh, eigvalsh, svd, qr, pinv, lstsq and matrix_power through whole functions:
gradients, tangents and Hessians against central finite differences, on
well-conditioned, nearly repeated and exactly repeated values, and the errors.
(Each rule is also checked on its own by tests/test_rules.py.)
"""
import numpy as np
import pytest

import adjoint
from adjoint.errors import NoGradientRuleError, UsageError
from conftest import numerical_grad

R = np.random.default_rng(7)
C4 = R.normal(size=(4, 4))
C53 = R.normal(size=(5, 3))
W4 = np.arange(1.0, 5.0)


def ortho(n, seed=0):
    return np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))[0]


def with_values(values, seed=0):
    q = ortho(len(values), seed)
    a = (q * np.asarray(values)) @ q.T
    return (a + a.T) / 2


def with_singular(m, n, values, seed=0):
    k = len(values)
    return (ortho(m, seed)[:, :k] * np.asarray(values)) @ ortho(n, seed + 1)[:, :k].T


# ---- losses ------------------------------------------------------------------------------
def eigh_loss(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * W4) + np.sum(v[:, 1:] ** 3 * C4[:, 1:])


def eigh_upper(a):
    w, v = np.linalg.eigh(a, "U")
    return np.sum(np.sin(w)) + np.sum(np.abs(v[:, 0]) * C4[0])  # (|v|: sign-free)


def eigvalsh_loss(a):
    return np.sum(np.linalg.eigvalsh(a) ** 2 * W4)


def svd_loss(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(s ** 2 * W4[:3]) + np.sum(u ** 3 * C53) + np.sum(vh ** 3)


def svd_values(a):
    return np.sum(np.linalg.svd(a, compute_uv=False) ** 3)


def svdvals_loss(a):
    return np.sum(np.sqrt(np.linalg.svdvals(a)))


def qr_loss(a):
    q, r = np.linalg.qr(a)
    return np.sum(q ** 3) + np.sum(r * r) + np.sum(np.log(np.abs(np.diagonal(r))))


def pinv_loss(a):
    return np.sum(np.linalg.pinv(a) ** 3)


def lstsq_loss(a):
    x, res, rank, sv = np.linalg.lstsq(a, C53[:, 0], rcond=None)
    return np.sum(x ** 3) + np.sum(res) + np.sum(sv ** 2)


def lstsq_in_b(b):
    x, res, rank, sv = np.linalg.lstsq(C53, b, rcond=None)
    return np.sum(x ** 3) + 2.0 * np.sum(res)


def power_loss(a):
    return np.sum(np.linalg.matrix_power(a, 3) ** 2) + np.sum(np.linalg.matrix_power(a, -2))


def batched_loss(a):
    w, v = np.linalg.eigh(a @ np.swapaxes(a, -1, -2))
    q, r = np.linalg.qr(a)
    return np.sum(w ** 2) + np.sum(np.abs(v[..., 0])) + np.sum(np.linalg.svd(a)[1]) \
        + np.sum(r ** 2)


SYM = with_values([0.5, 1.5, 2.7, 4.0])
CASES = [(eigh_loss, SYM), (eigh_loss, R.normal(size=(4, 4))), (eigh_upper, SYM),
         (eigvalsh_loss, SYM), (svd_loss, C53 + 0.1), (svd_values, R.normal(size=(3, 5))),
         (svdvals_loss, R.normal(size=(4, 3))), (qr_loss, R.normal(size=(5, 3))),
         (qr_loss, R.normal(size=(3, 5))), (pinv_loss, R.normal(size=(5, 3))),
         (lstsq_loss, R.normal(size=(5, 3))), (lstsq_in_b, R.normal(size=5)),
         (power_loss, R.normal(size=(3, 3)) + 3 * np.eye(3)),
         (batched_loss, R.normal(size=(2, 3, 3)))]
IDS = [f"{f.__name__}-{'x'.join(map(str, x.shape))}" for f, x in CASES]


def _hessian_fd(f, x, eps=1e-5):
    g = adjoint.grad(f)
    cols = []
    for j in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[j] += eps
        lo[j] -= eps
        cols.append(((g(hi) - g(lo)) / (2 * eps)).ravel())
    return np.array(cols).T.reshape(x.shape + x.shape)


@pytest.mark.parametrize("f, x", CASES, ids=IDS)
def test_gradient_and_tangent_match_finite_differences(f, x):
    np.testing.assert_allclose(adjoint.grad(f)(x), numerical_grad(f, (x,), 0),
                               rtol=1e-5, atol=1e-7)
    d = np.random.default_rng(1).normal(size=x.shape)
    value, tangent = adjoint.jvp(f)(x, d)
    assert value == pytest.approx(f(x))
    eps = 1e-6
    assert tangent == pytest.approx((f(x + eps * d) - f(x - eps * d)) / (2 * eps), rel=1e-6,
                                    abs=1e-7)


@pytest.mark.parametrize("f, x", CASES[::2], ids=IDS[::2])
def test_second_derivatives_match_finite_differences_of_the_gradient(f, x):
    want = _hessian_fd(f, x)
    np.testing.assert_allclose(adjoint.hessian(f)(x), want, rtol=1e-5, atol=1e-6)
    v = np.random.default_rng(2).normal(size=x.shape)  # reverse over reverse
    got = adjoint.grad(adjoint.grad(f))(x, grad_out2=v)
    np.testing.assert_allclose(got, np.tensordot(want, v, axes=x.ndim), rtol=1e-5, atol=1e-6)


def test_the_gradient_reads_one_helper_call_and_its_derivative_the_expression():
    grad = adjoint.grad(svd_loss)
    assert "ba = rt.svd_grad(" in grad.source
    code = [line for line in adjoint.hessian_vector_product(svd_loss).source.splitlines()
            if not line.strip().startswith("#")]  # (comments quote the gradient's lines)
    assert not any("rt.svd_grad(" in line for line in code)
    assert any("rt.pair_div(" in line for line in code)


# ---- repeated values -----------------------------------------------------------------------
REPEATED = with_values([1.0, 1.0, 3.0], seed=3)  # (computed: equal up to roundoff)
NEARLY = with_values([1.0, 1.001, 3.0], seed=3)
C3 = R.normal(size=(3, 3))


def eig_values(a):
    return np.sum(np.linalg.eigh(a)[0] ** 3)


def eig_subspace(a):  # the projector on the eigenspace of the repeated value
    v = np.linalg.eigh(a)[1][:, :2]
    return np.sum((v @ v.T) * C3)


def eig_vector(a):
    return np.sum(np.linalg.eigh(a)[1][:, 0] * C3[0])


def test_repeated_eigenvalues_values_and_subspace_exact_vectors_nan():
    g = 3 * REPEATED @ REPEATED  # d sum(w^3) = 3 tr(a^2 da), read from the lower triangle
    np.testing.assert_allclose(adjoint.grad(eig_values)(REPEATED),
                               np.tril(g + g.T, -1) + np.diag(np.diag(g)), atol=1e-12)
    np.testing.assert_allclose(adjoint.grad(eig_values)(REPEATED),
                               numerical_grad(eig_values, (REPEATED,), 0), atol=1e-7)
    np.testing.assert_allclose(adjoint.grad(eig_subspace)(REPEATED),
                               numerical_grad(eig_subspace, (REPEATED,), 0), atol=1e-7)
    # the vectors of a repeated value are NumPy's arbitrary pick: no derivative
    assert np.isnan(adjoint.grad(eig_vector)(REPEATED)).any()
    h = adjoint.hessian(eig_values)(REPEATED)
    assert np.isfinite(h).all()


def test_nearly_repeated_eigenvalues_match_finite_differences():
    for f in (eig_values, eig_subspace, eig_vector):
        np.testing.assert_allclose(adjoint.grad(f)(NEARLY), numerical_grad(f, (NEARLY,), 0),
                                   rtol=1e-5, atol=1e-6)


SV_REPEATED = with_singular(4, 3, [2.0, 2.0, 0.5], seed=4)
SV_NEARLY = with_singular(4, 3, [2.0, 2.002, 0.5], seed=4)
C43 = R.normal(size=(4, 3))


def sv_values(a):
    return np.sum(np.linalg.svd(a)[1] ** 3)


def sv_pair(a):  # u1 v1^T + u2 v2^T: the same for any rotation of the repeated pair
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum((u[:, :2] @ vh[:2]) * C43)


def sv_vector(a):
    return np.sum(np.linalg.svd(a, full_matrices=False)[0][:, 0] * C43[:, 0])


def test_repeated_singular_values_values_and_pairs_exact_vectors_nan():
    for f in (sv_values, sv_pair):
        np.testing.assert_allclose(adjoint.grad(f)(SV_REPEATED),
                                   numerical_grad(f, (SV_REPEATED,), 0), atol=1e-7)
    assert np.isnan(adjoint.grad(sv_vector)(SV_REPEATED)).any()
    for f in (sv_values, sv_pair, sv_vector):
        np.testing.assert_allclose(adjoint.grad(f)(SV_NEARLY),
                                   numerical_grad(f, (SV_NEARLY,), 0), rtol=1e-5, atol=1e-6)


def sv_squares(a):  # |a|_F^2, smooth also where singular values are zero
    return np.sum(np.linalg.svd(a)[1] ** 2)


def test_singular_values_of_a_rank_deficient_matrix_have_finite_gradients():
    a = with_singular(4, 3, [2.0, 1.0], seed=5)  # rank 2: one singular value is 0
    np.testing.assert_allclose(adjoint.grad(sv_squares)(a), 2.0 * a, atol=1e-12)
    square = with_singular(3, 3, [2.0, 1.0], seed=6)
    np.testing.assert_allclose(adjoint.grad(sv_squares)(square), 2.0 * square, atol=1e-12)


# ---- the complement of a non-square matrix (svd full_matrices, qr 'complete') --------------
C5 = R.normal(size=(5, 5))


def svd_complement_span(a):  # depends on u[:, 3:] through its span only
    u = np.linalg.svd(a)[0]
    return np.sum((u[:, 3:] @ u[:, 3:].T) * C5) + np.sum(u[:, :3] * C53)


def svd_complement_basis(a):
    return np.sum(np.linalg.svd(a)[0][:, 4] * C5[0])


def qr_complement_span(a):
    q, r = np.linalg.qr(a, mode="complete")
    return np.sum((q[:, 3:] @ q[:, 3:].T) * C5) + np.sum(r ** 2)


def qr_complement_basis(a):
    return np.sum(np.linalg.qr(a, mode="complete")[0][:, 3] * C5[0])


@pytest.mark.parametrize("f", [svd_complement_span, qr_complement_span])
def test_the_complement_is_followed_through_its_span(f):
    x = R.normal(size=(5, 3))
    np.testing.assert_allclose(adjoint.grad(f)(x), numerical_grad(f, (x,), 0), rtol=1e-5,
                               atol=1e-7)
    np.testing.assert_allclose(adjoint.hessian(f)(x), _hessian_fd(f, x), atol=1e-5)


@pytest.mark.parametrize("f, fix", [(svd_complement_basis, "full_matrices=False"),
                                    (qr_complement_basis, "mode='reduced'")])
def test_a_loss_of_the_complements_basis_is_an_error(f, fix):
    with pytest.raises(UsageError) as info:
        adjoint.grad(f)(R.normal(size=(5, 3)))
    assert fix in str(info.value) and "arbitrarily" in str(info.value)


# ---- refusals --------------------------------------------------------------------------------
def svd_hermitian(a):
    return np.sum(np.linalg.svd(a, hermitian=True)[1])


def qr_r(a):
    return np.sum(np.linalg.qr(a, mode="r"))


@pytest.mark.parametrize("f, hint", [(svd_hermitian, "leave hermitian out"),
                                     (qr_r, "np.linalg.qr(a)[1]")])
def test_forms_without_a_rule_are_refused_with_a_hint(f, hint):
    with pytest.raises(NoGradientRuleError) as info:
        adjoint.grad(f)
    assert hint in str(info.value) and "test_decompositions.py" in str(info.value)


# ---- float32 -----------------------------------------------------------------------------------
@pytest.mark.parametrize("f, x", [CASES[i] for i in (0, 3, 4, 7, 9, 12)],
                         ids=[IDS[i] for i in (0, 3, 4, 7, 9, 12)])
def test_float32_in_float32_out(f, x):
    x32 = x.astype(np.float32)
    got = adjoint.grad(f)(x32)
    assert got.dtype == np.float32
    want = numerical_grad(f, (x32.astype(np.float64),), 0)
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3 * np.max(np.abs(want)))
