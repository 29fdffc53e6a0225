"""adjoint: source-transformation automatic differentiation for Python and NumPy.

    @adjoint.grad
    def f(x):
        return np.sum(np.sin(x) ** 2)

    f(np.ones(3))        # the gradient
    print(f.source)      # the generated Python that computes it
"""
__version__ = "0.1.0"

from . import rules  # noqa: E402  (registers the rule tables)
from .api import grad, value_and_grad  # noqa: E402
from .errors import (AdjointError, NoGradientRuleError, NonScalarOutputError,  # noqa: E402
                     SourceUnavailableError, UnsupportedSyntaxError, UsageError, WrtError)
from .check import check_grad  # noqa: E402
from .errors import GradcheckError, TargetError  # noqa: E402

__all__ = ["grad", "value_and_grad", "rules", "AdjointError", "NoGradientRuleError",
           "NonScalarOutputError", "SourceUnavailableError", "UnsupportedSyntaxError",
           "UsageError", "WrtError", "__version__",
           "check_grad", "GradcheckError", "TargetError"]
