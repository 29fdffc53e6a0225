"""A second user module: functions the call tests import from."""
import numpy as np


def softplus_sum(v, beta=1.0):
    return np.sum(np.log(1.0 + np.exp(beta * v))) / beta
