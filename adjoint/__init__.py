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
from .disk_cache import set_cache_dir  # noqa: E402
from .gradcheck import check_grad  # noqa: E402
from .stop import stop_gradient  # noqa: E402
from .custom import custom_gradient  # noqa: E402
from .errors import (AdjointError, GradcheckError, NoForwardRuleError, NoGradientRuleError,
                     NonScalarOutputError, NotBatchableError, SourceUnavailableError,
                     TargetError, UnsupportedSyntaxError, UsageError, WrtError)
from .derivatives import hessian, hessian_vector_product, jacobian, jvp  # noqa: E402
from .batching import vmap  # noqa: E402

__all__ = ["grad", "value_and_grad", "set_cache_dir", "jvp", "hessian_vector_product", "hessian",
           "jacobian", "vmap", "check_grad", "stop_gradient", "custom_gradient", "rules",
           "AdjointError", "GradcheckError", "NoForwardRuleError", "NoGradientRuleError",
           "NonScalarOutputError", "NotBatchableError", "SourceUnavailableError", "TargetError",
           "UnsupportedSyntaxError", "UsageError",
           "WrtError", "__version__"]
