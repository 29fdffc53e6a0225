"""The two decorators GradBench's Python tools take from `gradbench.wrap`, written here so
that the tool runs (and its tests run) without GradBench's package installed.

A decorated function keeps working as a plain function of the prepared input; its
`.wrapped(raw_input)` converts the JSON input with `pre`, times the calls (untimed: `pre`
and `post`), and answers `{"success", "output", "timings"}` as the protocol wants.
"""
import time


class Entry:
    """A plain function plus its protocol form `wrapped(raw) -> response`."""

    def __init__(self, function, wrapped):
        self.function = function
        self.wrapped = wrapped

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)


def _timing(start, end):
    return {"name": "evaluate", "nanoseconds": end - start}


def function(*, pre, post):
    """One timed call (for evals whose input has no `min_runs`, such as hello)."""
    def decorate(fn):
        def wrapped(raw):
            arg = pre(raw)
            start = time.perf_counter_ns()
            out = fn(arg)
            end = time.perf_counter_ns()
            return {"success": True, "output": post(out), "timings": [_timing(start, end)]}
        return Entry(fn, wrapped)
    return decorate


def multiple_runs(*, pre, post):
    """At least `min_runs` calls and at least `min_seconds` in total, one timing each."""
    def decorate(fn):
        def wrapped(raw):
            arg = pre(raw)
            timings, elapsed = [], 0.0
            while len(timings) < raw["min_runs"] or elapsed < raw["min_seconds"]:
                start = time.perf_counter_ns()
                out = fn(arg)
                end = time.perf_counter_ns()
                timings.append(_timing(start, end))
                elapsed += (end - start) / 1e9
            return {"success": True, "output": post(out), "timings": timings}
        return Entry(fn, wrapped)
    return decorate
