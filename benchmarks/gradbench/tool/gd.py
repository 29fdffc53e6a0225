"""The gradient-descent solver of the particle and saddle evals (the one GradBench's C++
tools share in cpp/gradbench/gd.hpp): step against the gradient; double the step after
10 successful steps, halve it after a failed one; stop when the gradient or the step is
below 1e-5. The objective and its gradient are arguments, so the solver is generic; in
saddle it is itself differentiated."""
import numpy as np


def multivariate_argmin(f, g, x):
    fx = f(x)
    gx = g(x)
    i = 0
    eta = 1e-5
    while True:
        if np.sqrt(np.sum(gx ** 2)) <= 1e-5:
            return x
        if i == 10:
            eta = eta * 2
            i = 0
        else:
            x_prime = x - eta * gx
            if np.sqrt(np.sum((x - x_prime) ** 2)) <= 1e-5:
                return x
            fx_prime = f(x_prime)
            if fx_prime < fx:
                x = x_prime
                fx = fx_prime
                gx = g(x)
                i = i + 1
            else:
                eta = eta / 2
                i = 0


def multivariate_argmax(f, g, x):
    def neg_f(x):
        return -f(x)

    def neg_g(x):
        return -g(x)

    return multivariate_argmin(neg_f, neg_g, x)


def multivariate_max(f, g, x):
    return f(multivariate_argmax(f, g, x))
