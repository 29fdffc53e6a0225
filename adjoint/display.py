"""How a generated function shows itself as the value of a notebook cell: its source,
highlighted (IPython calls `_repr_html_` / `_repr_markdown_` when it finds them).

They are attributes of the function object itself, not methods of a wrapper class: a
generated gradient stays a plain Python function, so calling it costs exactly what it
did (the notebook looks them up only when it displays the value).
"""
from __future__ import annotations

import html


def attach(fn) -> None:
    """Give `fn` (which has `.source`) `_repr_html_` and `_repr_markdown_`."""
    fn._repr_html_ = _Shown(fn, _html)
    fn._repr_markdown_ = _Shown(fn, _markdown)


class _Shown:
    """A bound renderer: reads `fn.source` when the notebook asks (not before)."""

    __slots__ = ("fn", "render")

    def __init__(self, fn, render):
        self.fn, self.render = fn, render

    def __call__(self):
        return self.render(getattr(self.fn, "source", "") or "")


def _html(source: str) -> str:
    """Highlighted with pygments (the `color` extra) when installed, else plain."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre>{html.escape(source)}</pre>"
    return highlight(source, PythonLexer(), HtmlFormatter(noclasses=True, nobackground=True))


def _markdown(source: str) -> str:
    return f"```python\n{source}```\n"
