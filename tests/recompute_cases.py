"""Loops of numbers whose adjoint re-runs each iteration from a checkpoint
(recompute.py), and loops next to them that must keep their pushes. (The
benchmark's scalar loop and golden_cases.newton_sqrt are cases too.)"""
import math


def two_carried(x, v, k):
    # symplectic Euler: x and v both carried, checkpointed as one tuple
    dt = 0.05
    for i in range(40):
        v = v - dt * k * math.sin(x)
        x = x + dt * v
    return x * x + 0.5 * v * v


def reads_counter(x, a):
    for i in range(12):
        x = x + math.sin(i * a) * x * 0.1
    return x


def rebound_after(x, a):
    # x is rebound after the loop, before the loop's adjoint runs
    for i in range(10):
        x = math.tanh(x * a + 0.3)
    x = x * 3.0 + a
    return x * x


def invariant_changes(x, a):
    # the iteration reads c, which changes after the loop: keeps its pushes
    c = a * 1.5
    for i in range(8):
        t = x * c
        x = math.sin(t) + x
    c = 2.0
    return x * c


def one_branch_assigns(x, a):
    y = a
    s = 0.0
    for i in range(15):
        if x > 0.0:
            y = x * x
        s = s + y * a
        x = x - 0.3
    return s + y


def zero_trips(x, n):
    for i in range(n):
        x = math.sin(x) * 2.0
    return x * x


def two_loops(x, a):
    for i in range(6):
        x = math.exp(-x) + a
    y = x
    for j in range(7):
        y = y * math.cos(y) + a * x
    return y


def with_break(x, a):
    for i in range(50):
        x = x * a + math.sin(x)
        if x > 3.0:
            break
    return x


def nested(x, a):
    s = 0.0
    for i in range(4):
        for j in range(3):
            x = math.sin(x + a * j)
        s = s + x
    return s


def assigned_twice(x, a):
    for i in range(9):
        x = x * a
        x = math.sin(x) + 0.5
    return x


def temp_read_after(x, a):
    t = 0.0
    for i in range(10):
        t = math.sin(x) * a
        x = x + t * 0.1
    return x * t


def alternating_assign(x, a):
    y = a
    s = 0.0
    for i in range(12):
        if i % 3 == 0:
            y = x * x
        s = s + y * a
        x = math.sin(x) + 0.3
    return s + y


def list_written_after(x, a):
    # the loop reads ks, which is written into after the loop
    ks = [a, 2.0 * a]
    for i in range(5):
        x = x * ks[i % 2] + 0.1
    ks[0] = 0.5
    return x * ks[0] + x



def damped_while(x, a):
    t = 0.0
    while t < 2.0:
        if x > 0.0:
            x = x - a * math.sin(x) * 0.1
        else:
            x = x + 0.05
        t = t + 0.25
    return x * t


def counter_read_after(x):
    n = 0
    while x < 5.0:
        x = x * 1.5 + 0.1
        n = n + 1
    return x * n


def running_logsumexp(xs, temp):
    # m is set in one branch only, and the adjoint of its first line reads the
    # value it had before the loop (restored by the adjoint loop's last pass)
    m = xs[0] / temp
    s = 1.0
    for i in range(1, len(xs)):
        z = xs[i] / temp
        if z > m:
            s = s * math.exp(m - z) + 1.0
            m = z
        else:
            s = s + math.exp(z - m)
    return m + math.log(s)



def self_copy_in_branch(x, y):
    # `b = b` leaves the branch with nothing to re-run
    b = math.tanh(x - y)
    for i in range(1):
        if i < x:
            b = b
    return b


def overwritten_by_carried_constant(x, y):
    # the checkpoint of a is read by nothing once dead code is gone: it is dropped,
    # and the adjoint loop keeps the zeroing of bx (x = a overwrites x)
    a = math.tanh(3.0)
    for i in range(1):
        y += i * 0.3 * y * y
        x, a = a, 3 * -(i + 1)
    a -= 0.3 * math.tanh(x)
    return x + 0.5 * a - 0.4 * y
