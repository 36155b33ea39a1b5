#!/usr/bin/env python3
"""A small real training job for the hpod demo: a one-hidden-layer neural network, in pure
Python, learning to separate two interleaved half-moons. It reads its hyperparameters from
hpod (HPOD_PARAMS), reports the validation loss after every epoch, stops when pruned, and
tells hpod its final validation loss.

Run by hpod (see config/studies/demo.json); by hand: HPOD_PARAMS='{"lr": 0.1, ...}' is not
enough, it needs a trial token from hpod.
"""
import argparse
import math
import os
import random
import sys

# hpod's client package: clients/python/hpod_client (or a copy of that folder next to this file).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))
from hpod_client import Trial  # noqa: E402


def moons(n, noise, rng):
    """Two interleaving half circles, labels 0 and 1."""
    data = []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2 == 0:
            x, y, label = math.cos(t), math.sin(t), 0
        else:
            x, y, label = 1 - math.cos(t), 0.5 - math.sin(t), 1
        data.append(((x + rng.gauss(0, noise), y + rng.gauss(0, noise)), label))
    return data


class Net:
    def __init__(self, hidden, rng):
        s = 1.0 / math.sqrt(2)
        self.w1 = [[rng.gauss(0, s) for _ in range(2)] for _ in range(hidden)]
        self.b1 = [0.0] * hidden
        self.w2 = [rng.gauss(0, 1.0 / math.sqrt(hidden)) for _ in range(hidden)]
        self.b2 = 0.0

    def params(self):
        return [self.w1, self.b1, self.w2]

    def forward(self, x):
        h = [math.tanh(w[0] * x[0] + w[1] * x[1] + b) for w, b in zip(self.w1, self.b1)]
        z = sum(a * w for a, w in zip(h, self.w2)) + self.b2
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        return h, p

    def loss(self, data):
        eps = 1e-12
        total = 0.0
        for x, y in data:
            _, p = self.forward(x)
            total -= y * math.log(p + eps) + (1 - y) * math.log(1 - p + eps)
        return total / len(data)


class Optimizer:
    """SGD, SGD with momentum, or Adam over the flat list of weights."""

    def __init__(self, kind, lr, size):
        self.kind, self.lr, self.t = kind, lr, 0
        self.m = [0.0] * size
        self.v = [0.0] * size

    def step(self, weights, grads):
        self.t += 1
        out = []
        for i, (w, g) in enumerate(zip(weights, grads)):
            if self.kind == "sgd":
                w -= self.lr * g
            elif self.kind == "momentum":
                self.m[i] = 0.9 * self.m[i] + g
                w -= self.lr * self.m[i]
            else:
                self.m[i] = 0.9 * self.m[i] + 0.1 * g
                self.v[i] = 0.999 * self.v[i] + 0.001 * g * g
                mh = self.m[i] / (1 - 0.9 ** self.t)
                vh = self.v[i] / (1 - 0.999 ** self.t)
                w -= self.lr * mh / (math.sqrt(vh) + 1e-8)
            out.append(w)
        return out


def flatten(net):
    return [w for row in net.w1 for w in row] + net.b1 + net.w2 + [net.b2]


def unflatten(net, flat):
    h = len(net.b1)
    net.w1 = [flat[2 * i:2 * i + 2] for i in range(h)]
    net.b1 = flat[2 * h:3 * h]
    net.w2 = flat[3 * h:4 * h]
    net.b2 = flat[4 * h]


def train_batch(net, batch, l2):
    h_n = len(net.b1)
    gw1 = [[0.0, 0.0] for _ in range(h_n)]
    gb1 = [0.0] * h_n
    gw2 = [0.0] * h_n
    gb2 = 0.0
    for x, y in batch:
        h, p = net.forward(x)
        dz = p - y
        gb2 += dz
        for j in range(h_n):
            gw2[j] += dz * h[j]
            dh = dz * net.w2[j] * (1 - h[j] * h[j])
            gb1[j] += dh
            gw1[j][0] += dh * x[0]
            gw1[j][1] += dh * x[1]
    n = len(batch)
    grads = [g / n + l2 * w for row, wrow in zip(gw1, net.w1) for g, w in zip(row, wrow)]
    grads += [g / n for g in gb1] + [g / n + l2 * w for g, w in zip(gw2, net.w2)] + [gb2 / n]
    return grads


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    args = ap.parse_args()
    trial = Trial.from_env()
    p = trial.params
    rng = random.Random(1234)
    data = moons(600, 0.2, rng)
    train, val = data[:400], data[400:]
    net = Net(int(p["hidden"]), random.Random(trial.number))
    opt = Optimizer(p["optimizer"], float(p["lr"]), len(flatten(net)))
    order = random.Random(trial.number + 1)
    loss = float("nan")
    for epoch in range(args.epochs):
        order.shuffle(train)
        bs = int(p["batch"])
        for i in range(0, len(train), bs):
            grads = train_batch(net, train[i:i + bs], float(p["l2"]))
            unflatten(net, opt.step(flatten(net), grads))
        loss = net.loss(val)
        if trial.report(epoch, loss):
            print("pruned after epoch %d (validation loss %.4f)" % (epoch, loss))
            return
    trial.complete(loss)
    print("done: validation loss %.4f" % loss)


if __name__ == "__main__":
    main()
