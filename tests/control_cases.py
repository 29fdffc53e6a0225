"""Functions with loops and branches, differentiated in test_control_flow.py."""
import math

import numpy as np

from golden_cases import break_loop, early_return, rnn

SHARED = (break_loop, early_return, rnn)  # the golden cases, checked here against FD too


def if_else(x, flag):
    if flag:
        y = np.sin(x)
    else:
        y = np.cos(x) * 2.0
    return np.sum(y)


def if_elif(x):
    if x > 1.0:
        y = x * x
    elif x > 0.0:
        y = math.exp(x)
    else:
        y = -x * 3.0
    return y


def if_no_else(x):
    y = x * 2.0
    if x > 0.5:
        y = y * y
    return y


def nested_if(x, y):
    z = x * y
    if x > 0:
        if y > 0:
            z = z * x
        else:
            z = z + y * y
    return z


def bool_ops(x, y):
    if x > 0 and y > 0 or not x < -5.0:
        z = x * y
    else:
        z = x - y
    return z


def ternary(x):
    y = x * x if x > 0 else -x
    return y * 2.0 + (math.sin(x) if x < 1.0 else 1.0)


def range_loops(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    for i in range(2, 9, 3):
        s = s * x + i
    for i in range(n - 1, -1, -1):
        s = s + math.sin(x * i)
    return s


def zero_trip(x, n):
    y = x * 2.0
    for i in range(n):
        y = y * x
    return y


def loop_over_rows(X, w):
    total = 0.0
    for row in X:
        total = total + np.tanh(row @ w)
    return total


def loop_enumerate_zip(A, B):
    s = 0.0
    for i, (a, b) in enumerate(zip(A, B)):
        s = s + np.sum(a * b) * i
    for k, a in enumerate(A, 1):
        s = s + k * np.sum(a ** 2)
    return s


def loop_over_tuple(x):
    s = 0.0
    for c in (1.0, 2.0, 3.0):
        s = s + math.sin(c * x)
    for v in reversed([0.5, 1.5]):
        s = s * v + x
    return s


def nested_loops(x, n):
    s = x
    for i in range(n):
        for j in range(i):
            s = s * 0.9 + math.sin(s * j)
    return s


def while_counter(x):
    i = 0
    while i < 5:
        x = x * 1.1 + math.cos(x)
        i += 1
    return x


def while_threshold(x):
    y = x
    while y < 10.0:
        y = y * 1.7 + x
    return y


def newton(a):
    x = a
    for _ in range(3):
        x = 0.5 * (x + a / x)
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x




def nested_break(x):
    s = x
    for i in range(4):
        for j in range(10):
            s = s * 1.3
            if s > 2.0 + i:
                break
        s = s - 1.0
    return s


def continue_loop(xs):
    total = 0.0
    for x in xs:
        if x < 0:
            continue
        total = total + x * x
    return total


def while_break(x):
    while True:
        x = x * 1.5
        if x > 20.0:
            break
    return x




def return_in_loop(x):
    for i in range(10):
        x = x * 1.5
        if x > 5.0:
            return x + 1.0
    return -x


def return_in_nested_loop(x):
    for i in range(5):
        for j in range(5):
            x = x + 0.1 * math.sin(x)
            if x > 2.0:
                return x * 10.0
    return x


def statements_without_effect(x):
    assert x.shape[0] > 0, "needs data"
    print("shape", x.shape)
    pass
    y = np.sum(x ** 2)
    return y




def data_dependent_trips(x):
    n = int(x * 3)
    s = x
    for i in range(n):
        s = s * 1.2 + 0.1
    return s


def batched_rnn(W, Xs, H):
    for t in range(Xs.shape[0]):
        H = np.tanh(W @ H + Xs[t])
    return np.sum(H * H)


def right_product_loop(W, hs):
    total = 0.0
    for t in range(hs.shape[0]):
        total = total + np.sum(np.tanh(hs[t] @ W))
    return total


def prints_progress(x):
    for i in range(3):
        x = math.sin(x) + x
        print(f"step {i}: {x:.3f}")
    return x


def and_in_loop(x, z):
    s = 0.0
    for i in range(3):
        if x > 1 and z > 3:
            s = s + x
        s = s * z
    return s


def and_return_in_loop(x, z):
    for i in range(2):
        if x > 1 and z > 3:
            return math.tanh(x)
    return x * z


def or_chain_in_loop(x, z):
    s = 0.5
    for i in range(4):
        if x > 2 or z > 1 or s > 3:
            s = s * x + z
    return s


def overwritten_by_constant_in_loop(x, z):
    # f == 2: the branch's `r = 2.0` kills r's gradient, on the first pass only
    r = z
    for k in range(3):
        if k < 1:
            r = 2.0
    return r + 0.0 * x


def overwritten_by_counter_in_loop(x, z):
    r = z
    for k in range(5):
        if k < 2:
            r = k
    return r * x


def break_in_one_branch(x, y):
    # f == 2 * y: `r = x` is always overwritten by `r = 2.0`
    r = 0.0
    for k in range(2):
        if k > 0:
            break
        else:
            r = x
        r = 2.0
    return r * y


def dead_inner_loop_then_break(x, y, z):
    # the first inner loop has no reverse, yet its counter j was saved before it
    for i in range(8, 0, -1):
        for j in range(6):
            u = i
        for j in range(6):
            if i > x:
                break
            if i > 4:
                u = y
                z = z + 0.0 * u
            else:
                z = z * j * y
    return z
