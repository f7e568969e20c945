#!/usr/bin/env python3
"""How far a linear head on cached SqueezeNet features can go on hymenoptera, and what choosing honestly costs.

For each feature variant (a TransferKit feature cache, read by the images' SHA-256 as FeatureCache stores them),
fits an L2-regularised softmax regression to convergence (L-BFGS, scipy) for a grid of lambdas and prints:
  - the lambda that 5-fold stratified cross-validation on the TRAINING images picks, and its validation accuracy
    (honest: the validation images choose nothing);
  - the validation accuracy at every lambda (its maximum is what choosing on the validation images would report).
Variants combine caches by averaging their features per image (e.g. an image and its mirror image).
A yardstick for the head search (issue 15), never a dependency. numpy + scipy.

usage: linear_probe.py DATASET NAME=CACHE[@IMAGEROOT[@SUFFIX]][+CACHE...] ...
"""
import glob
import hashlib
import os
import sys

import numpy as np
from scipy.optimize import minimize

LAMBDAS = [10 ** e for e in np.arange(-4, 1.01, 0.5)]


def features(dataset, spec, split):
    parts = []
    for part in spec.split("+"):
        cache, root, suffix = (part.split("@") + [dataset, ""])[:3]
        key = glob.glob(cache + "/*")[0]
        rows, labels = [], []
        classes = sorted(os.listdir(f"{dataset}/{split}"))
        for ci, c in enumerate(classes):
            for f in sorted(os.listdir(f"{dataset}/{split}/{c}")):
                p = f"{root}/{split}/{c}/{f}{suffix}"
                q = f"{key}/{hashlib.sha256(open(p, 'rb').read()).hexdigest()}.f32" if os.path.exists(p) else ""
                if not os.path.exists(q):
                    continue  # skipped by the featurizer (not an image)
                rows.append(np.frombuffer(open(q, "rb").read()[8:], dtype="<f4").astype(np.float64))
                labels.append(ci)
        parts.append((np.array(rows), np.array(labels)))
    return sum(x for x, _ in parts) / len(parts), parts[0][1]


def fit(x, y, lam, classes):
    n, d = x.shape
    t = np.eye(classes)[y]

    def f(w):
        wm, b = w[:d * classes].reshape(d, classes), w[d * classes:]
        z = x @ wm + b
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        g = (p - t) / n
        loss = -np.sum(t * np.log(p + 1e-12)) / n + 0.5 * lam * np.sum(wm * wm)
        return loss, np.concatenate([(x.T @ g + lam * wm).ravel(), g.sum(0)])

    r = minimize(f, np.zeros(d * classes + classes), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return r.x[:d * classes].reshape(d, classes), r.x[d * classes:]


def accuracy(model, x, y):
    return float(np.mean(np.argmax(x @ model[0] + model[1], 1) == y))


def folds(y, k, seed):
    rng = np.random.RandomState(seed)
    fold, nxt = np.zeros(len(y), int), 0
    for c in np.unique(y):
        idx = np.where(y == c)[0]
        rng.shuffle(idx)
        for i in idx:
            fold[i] = nxt % k
            nxt += 1
    return fold


def main():
    dataset = sys.argv[1]
    print("variant       train  val  cv-picked-lambda  cv-acc  val-acc(honest)  best-val-acc-over-lambdas(val-picked)")
    for arg in sys.argv[2:]:
        name, spec = arg.split("=", 1)
        xt, yt = features(dataset, spec, "train")
        xv, yv = features(dataset, spec, "val")
        scale = xt.std()
        xt, xv = xt / scale, xv / scale
        k, classes = 5, int(yt.max()) + 1
        fo = folds(yt, k, 42)
        cv = [np.mean([accuracy(fit(xt[fo != i], yt[fo != i], lam, classes), xt[fo == i], yt[fo == i])
                       for i in range(k)]) for lam in LAMBDAS]
        val = [accuracy(fit(xt, yt, lam, classes), xv, yv) for lam in LAMBDAS]
        b = int(np.argmax(cv))
        print("%-12s %5d %4d %17.0e %7.4f %16.4f %12.4f (lambda %.0e)" % (name, len(yt), len(yv), LAMBDAS[b], cv[b],
              val[b], max(val), LAMBDAS[int(np.argmax(val))]), flush=True)


if __name__ == "__main__":
    main()
