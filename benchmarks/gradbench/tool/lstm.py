"""lstm: ADBench's LSTM (diagonal weights) over a character sequence: per step, each
layer's cell update, a prediction, and the log-likelihood of the next character."""
import numpy as np

import adjoint

from .protocol import multiple_runs


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_model(weight, bias, hidden, cell, inp):
    """One layer: weight and bias hold the forget, input, output and change gates."""
    h = hidden.shape[0]
    forget = sigmoid(inp * weight[:h] + bias[:h])
    ingate = sigmoid(hidden * weight[h:2 * h] + bias[h:2 * h])
    outgate = sigmoid(inp * weight[2 * h:3 * h] + bias[2 * h:3 * h])
    change = np.tanh(hidden * weight[3 * h:] + bias[3 * h:])
    cell = cell * forget + ingate * change
    hidden = outgate * np.tanh(cell)
    return hidden, cell


def lstm_predict(main_params, extra_params, state, inp):
    """state rows: hidden and cell of layer 0, then of layer 1, ..."""
    x = inp * extra_params[0]
    new_state = []
    for layer in range(state.shape[0] // 2):
        hidden, cell = lstm_model(main_params[2 * layer], main_params[2 * layer + 1],
                                  state[2 * layer], state[2 * layer + 1], x)
        new_state.append(hidden)
        new_state.append(cell)
        x = hidden
    return x * extra_params[1] + extra_params[2], np.stack(new_state)


def lstm_objective(main_params, extra_params, state, sequence):
    total = 0.0
    count = 0
    for t in range(sequence.shape[0] - 1):
        ypred, state = lstm_predict(main_params, extra_params, state, sequence[t])
        ynorm = ypred - np.log(np.sum(np.exp(ypred)) + 2.0)  # (ADBench's "+ 2")
        total = total + np.sum(sequence[t + 1] * ynorm)
        count = count + sequence.shape[1]
    return -total / count


dlstm = adjoint.grad(lstm_objective, wrt=("main_params", "extra_params"))


def prepare(raw):
    return [np.array(raw[name], dtype=np.float64)
            for name in ("main_params", "extra_params", "state", "sequence")]


@multiple_runs(pre=prepare, post=float)
def objective(args):
    return lstm_objective(*args)


@multiple_runs(pre=prepare, post=lambda g: np.concatenate([g[0].ravel(), g[1].ravel()]).tolist())
def jacobian(args):
    return dlstm(*args)
