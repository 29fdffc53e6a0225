"""vmap benchmarks: one Jacobian or gradient per example, in a loop or batched.

    python -m benchmarks.vmap [--quick] [--out PATH]

bundle   2 x 15 Jacobians of the bundle-adjustment reprojection error (bundle.py) for
         10^4 observations: adjoint.jacobian in a loop over observations,
         vmap(jacobian(f)) (reverse and forward mode), and a hand-written NumPy
         Jacobian vectorised over observations
mlp      per-example gradients of a small MLP's loss (20-32-10, batch 256): a loop
         of adjoint.grad, vmap(grad(loss)), and JAX's vmap(grad) eager and jitted;
         mlp-wider the same for 100-64-10, where writing the 256 gradients of the
         first layer (13 MB) is most of the batched time

The contenders of a workload are timed in interleaved rounds (one repeat of each,
in turn, per round), so that a change of the machine's load hits all of them; the
medians over rounds are reported, with the results' largest difference.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import statistics
import sys

if __name__ == "__main__":
    from benchmarks.__main__ import pin_threads
    pin_threads(sys.argv[1:])
    os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402

import adjoint  # noqa: E402
from benchmarks import bundle, timing  # noqa: E402


# ---- timing -------------------------------------------------------------------------
def interleaved(contenders: dict, rounds: int, min_time: float) -> dict:
    """name -> median seconds per call over `rounds` rounds; each round times every
    contender once (loops per repeat fixed first, as timeit's autorange)."""
    settings = timing.Settings(repeats=1, min_time=min_time)
    loops = {}
    for name, (fn, args) in contenders.items():
        fn(*args)  # warm-up: compiles
        loops[name] = timing._autorange(fn, args, settings)
    times = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            fn, args = contenders[name]
            times[name].append(timing._run(fn, args, loops[name]) / loops[name])
    return {name: {"median_s": statistics.median(t), "min_s": min(t), "max_s": max(t),
                   "loops": loops[name], "rounds": rounds} for name, t in times.items()}


def _max_diff(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


# ---- bundle adjustment -------------------------------------------------------------
def bundle_workload(n: int, quick: bool) -> dict:
    P, F = bundle.make(n)
    J = adjoint.jacobian(bundle.reproj_err)
    Jf = adjoint.jacobian(bundle.reproj_err, mode="forward")

    def loop(P, F):
        return np.stack([J(p, f) for p, f in zip(P, F)])

    contenders = {
        "loop of jacobian": (loop, (P, F)),
        "vmap(jacobian)": (adjoint.vmap(J), (P, F)),
        "vmap(jacobian, forward)": (adjoint.vmap(Jf), (P, F)),
        "hand-vectorised NumPy": (bundle.hand_jacobian, (P, F)),
    }
    ref = bundle.hand_jacobian(P, F)
    diffs = {name: _max_diff(fn(*args), ref) for name, (fn, args) in contenders.items()}
    times = interleaved(contenders, 3 if quick else 5, 0.05 if quick else 0.5)
    loop_s, vmap_s = times["loop of jacobian"]["median_s"], times["vmap(jacobian)"]["median_s"]
    hand_s = times["hand-vectorised NumPy"]["median_s"]
    return {
        "description": f"2x15 reprojection Jacobians of {n} observations",
        "observations": n, "hand_vs_finite_differences": bundle.check(),
        "times": times, "max_rel_diff_vs_hand": diffs,
        "speedup_vmap_vs_loop": loop_s / vmap_s,
        "vmap_vs_hand": vmap_s / hand_s,
        "speedup_forward_vs_loop": loop_s / times["vmap(jacobian, forward)"]["median_s"],
        "loop_per_observation_s": loop_s / n,
    }


# ---- per-example gradients of an MLP -------------------------------------------------
def mlp_loss(W1, b1, W2, b2, x, y):
    """Softmax cross-entropy of one example (x: features, y: one-hot label)."""
    h = np.tanh(W1 @ x + b1)
    z = W2 @ h + b2
    zmax = np.max(z)
    lse = np.log(np.sum(np.exp(z - zmax))) + zmax
    return -np.sum(y * (z - lse))


def mlp_inputs(batch=256, d_in=100, hidden=64, d_out=10):
    r = np.random.default_rng(0)
    W1 = r.normal(size=(hidden, d_in)) / math.sqrt(d_in)
    W2 = r.normal(size=(d_out, hidden)) / math.sqrt(hidden)
    X = r.random((batch, d_in))
    Y = np.eye(d_out)[r.integers(0, d_out, batch)]
    return W1, r.normal(size=hidden) * 0.1, W2, np.zeros(d_out), X, Y


def mlp_workload(quick: bool, d_in=20, hidden=32, d_out=10) -> dict:
    args = mlp_inputs(d_in=d_in, hidden=hidden, d_out=d_out)
    W1, b1, W2, b2, X, Y = args
    g = adjoint.grad(mlp_loss, wrt=(0, 1, 2, 3))

    def loop(*args):
        outs = [g(W1, b1, W2, b2, x, y) for x, y in zip(X, Y)]
        return tuple(np.stack(parts) for parts in zip(*outs))

    contenders = {"loop of grad": (loop, args),
                  "vmap(grad)": (adjoint.vmap(g, in_axes=(None,) * 4 + (0, 0)), args)}
    contenders.update(_jax_contenders(args))
    ref = contenders["vmap(grad)"][0](*args)
    diffs = {}
    for name, (fn, a) in contenders.items():
        out = fn(*a)
        diffs[name] = max(_max_diff(o, r) for o, r in zip(out, ref))
    times = interleaved(contenders, 3 if quick else 7, 0.05 if quick else 0.3)
    vmap_s = times["vmap(grad)"]["median_s"]
    return {"description": f"per-example gradients (W1, b1, W2, b2) of an MLP "
                           f"{d_in}-{hidden}-{d_out}, batch 256",
            "times": times, "max_rel_diff_vs_vmap": diffs,
            "ratios_vs_vmap": {n: t["median_s"] / vmap_s for n, t in times.items()}}


def _jax_contenders(args) -> dict:
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
    except Exception:  # an optional extra (pip install jax jaxlib)
        return {}
    from benchmarks.systems import rebind
    f = rebind(mlp_loss, jnp, jnp)
    per_example = jax.vmap(jax.grad(f, argnums=(0, 1, 2, 3)),
                           in_axes=(None,) * 4 + (0, 0))
    jitted = jax.jit(per_example)
    jargs = tuple(jnp.asarray(a) for a in args)

    def ready(fn):
        return lambda *a: jax.block_until_ready(fn(*a))
    return {"JAX vmap(grad) eager": (ready(per_example), jargs),
            "JAX jit(vmap(grad))": (ready(jitted), jargs)}


# ---- command line ---------------------------------------------------------------------
def render(results) -> str:
    lines = []
    for name, work in results["workloads"].items():
        lines.append(f"{name}: {work['description']}")
        for who, t in work["times"].items():
            lines.append(f"  {who:28s} {t['median_s'] * 1e3:10.3f} ms")
        for key in ("speedup_vmap_vs_loop", "vmap_vs_hand", "speedup_forward_vs_loop"):
            if key in work:
                lines.append(f"  {key}: {work[key]:.1f}")
        for who, r in work.get("ratios_vs_vmap", {}).items():
            lines.append(f"  {who} / vmap(grad): {r:.2f}")
    return "\n".join(lines)


def run(quick=False) -> dict:
    versions = {"numpy": np.__version__, "python": sys.version.split()[0]}
    try:
        import jax
        versions["jax"] = jax.__version__
    except Exception:
        pass
    return {"meta": {"date": datetime.date.today().isoformat(), "quick": quick,
                     "versions": versions},
            "workloads": {"bundle": bundle_workload(10 ** 3 if quick else 10 ** 4, quick),
                          "mlp": mlp_workload(quick),
                          "mlp-wider": mlp_workload(quick, 100, 64, 10)}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.vmap")
    p.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results",
                                                 "vmap-latest.json"))
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    results = run(args.quick)
    print(render(results))
    with open(args.out, "w") as fh:
        json.dump(results, fh, indent=2, default=float)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
