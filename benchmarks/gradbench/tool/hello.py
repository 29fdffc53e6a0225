"""hello: square and its derivative."""
import adjoint

from .protocol import function


def square_of(x):
    return x * x


@function(pre=float, post=float)
def square(x):
    return square_of(x)


@function(pre=float, post=float)
def double(x):
    return dsquare(x)


dsquare = adjoint.grad(square_of)
