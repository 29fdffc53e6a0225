"""Aim a ball through air: gradient descent through a physics simulation.

A clay target will be at (60 m, 10 m) exactly 2.5 s after we throw. A ball
slowed by air drag (deceleration k*|v|*v, k = 0.005 /m, about a baseball) is
simulated with a time-stepping loop. `miss` is the squared distance from the
ball to the target at that moment, as a function of the launch angle and
speed; adjoint differentiates through all the time steps, and gradient descent
on (angle, speed) finds the throw that hits.

The step for the angle is divided by speed**2: a change of angle moves the
ball `speed` times further than the same change of speed, so this puts both
parameters on the same scale (a per-parameter step size).

Run: python examples/projectile.py [--fast]
"""
import math
import sys

import adjoint

TARGET = (60.0, 10.0)        # metres
FLIGHT_TIME = 2.5            # seconds
DRAG = 0.005                 # 1/m
GRAVITY = 9.81               # m/s^2


def miss(angle, speed, target_x, target_y, drag, dt, steps):
    """Squared distance (m^2) from the ball to the target after `steps` steps of dt."""
    x = 0.0
    y = 0.0
    vx = speed * math.cos(angle)
    vy = speed * math.sin(angle)
    for i in range(steps):
        v = math.sqrt(vx * vx + vy * vy)
        vx = vx - dt * drag * v * vx
        vy = vy - dt * (9.81 + drag * v * vy)
        x = x + dt * vx
        y = y + dt * vy
    return (x - target_x) ** 2 + (y - target_y) ** 2


def trajectory(angle, speed, drag, dt, steps):
    """The same simulation, keeping every position (for the picture)."""
    x, y = 0.0, 0.0
    vx, vy = speed * math.cos(angle), speed * math.sin(angle)
    xs, ys = [x], [y]
    for i in range(steps):
        v = math.hypot(vx, vy)
        vx, vy = vx - dt * drag * v * vx, vy - dt * (GRAVITY + drag * v * vy)
        x, y = x + dt * vx, y + dt * vy
        xs.append(x)
        ys.append(y)
    return xs, ys


def vacuum_aim():
    """Angle and speed that would hit the target if there were no air."""
    vx = TARGET[0] / FLIGHT_TIME
    vy = (TARGET[1] + 0.5 * GRAVITY * FLIGHT_TIME ** 2) / FLIGHT_TIME
    return math.atan2(vy, vx), math.hypot(vx, vy)


def main(fast=False, plot=True):
    """Find the throw; return angle (degrees), speed, miss distance, iterations."""
    dt = 0.05 if fast else 0.01
    steps = round(FLIGHT_TIME / dt)
    args = (*TARGET, DRAG, dt, steps)
    dmiss = adjoint.value_and_grad(miss, wrt=("angle", "speed"))

    angle, speed = vacuum_aim()                 # a sensible first guess
    first_miss = math.sqrt(miss(angle, speed, *args))
    print(f"aiming as if there were no air: {math.degrees(angle):.2f} deg, "
          f"{speed:.2f} m/s misses by {first_miss:.2f} m")
    lr, distances = 0.1, []
    for it in range(100):
        value, (d_angle, d_speed) = dmiss(angle, speed, *args)
        distances.append(math.sqrt(value))
        if distances[-1] < 1e-3:                # within a millimetre
            break
        angle -= lr * d_angle / speed ** 2
        speed -= lr * d_speed

    print(f"after {it} gradient steps through {steps} time steps: "
          f"{math.degrees(angle):.2f} deg, {speed:.2f} m/s, "
          f"misses by {distances[-1] * 1000:.3f} mm")
    if plot:
        _picture(angle, speed, dt, steps, distances)
    return dict(angle_deg=math.degrees(angle), speed=speed, miss=distances[-1],
                first_miss=first_miss, iterations=it)


def _picture(angle, speed, dt, steps, distances):
    from _plot import pyplot, save
    plt = pyplot()
    if plt is None:
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6),
                                      gridspec_kw={"width_ratios": [1.6, 1]})
    left.plot(*trajectory(*vacuum_aim(), DRAG, dt, steps), "--",
              label="aimed as if in a vacuum")
    left.plot(*trajectory(angle, speed, DRAG, dt, steps),
              label=f"found: {math.degrees(angle):.1f} deg, {speed:.1f} m/s")
    left.plot(*TARGET, "r*", ms=14, label=f"target at t = {FLIGHT_TIME} s")
    left.set(xlabel="x (m)", ylabel="height (m)", title="trajectories with drag")
    left.legend(fontsize=8)
    right.semilogy(distances, "o-")
    right.set(xlabel="gradient-descent step", ylabel="miss distance (m)",
              title="distance to the target")
    save(fig, "projectile")


if __name__ == "__main__":
    main(fast="--fast" in sys.argv[1:])
