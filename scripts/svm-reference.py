#!/usr/bin/env python3
"""Our Pegasos SVM beside scikit-learn's exact RBF SVC, on the same CNN features.

A check outside the product (issue 19): `fashion-train --features F` writes the CNN's
penultimate features of both splits; this script standardises them as our SVM does (mean 0,
variance 1 per feature, fitted on the training rows), fits `SVC(C=10)` on all training rows,
then runs `fashion-train --load-features F QUERY` for each QUERY given and prints every test
accuracy and time side by side.

    cargo build --release --features native --bin fashion-train
    target/release/fashion-train 'epochs=2' --features /tmp/bn2.features
    pip install scikit-learn
    python3 scripts/svm-reference.py /tmp/bn2.features '' 'svm_dim=2048'

Env: SVC_C (10), SVC_ROWS (all), LINEAR=1 also fits LinearSVC and logistic regression.
"""
import os
import re
import struct
import subprocess
import sys
import time

import numpy as np


def read_split(f):
    n, dim = struct.unpack("<II", f.read(8))
    x = np.frombuffer(f.read(n * dim * 4), dtype="<f4").reshape(n, dim)
    labels = np.frombuffer(f.read(n), dtype=np.uint8)
    head = np.frombuffer(f.read(n), dtype=np.uint8)
    return x, labels, head


def ours(binary, path, query):
    started = time.time()
    out = subprocess.run([binary, query, "--load-features", path], capture_output=True, text=True, check=True).stdout
    wall = time.time() - started
    acc = float(re.search(r"CNN\+SVM test accuracy ([0-9.]+)", out).group(1))
    fit = re.search(r"SVM \((.*?)\): feature map ([0-9.]+) s, total ([0-9.]+) s", out)
    lam = [line.strip() for line in out.splitlines() if line.strip().startswith("lambda")]
    return acc, float(fit.group(3)), wall, fit.group(1), lam


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path, queries = sys.argv[1], sys.argv[2:] or [""]
    with open(path, "rb") as f:
        train_x, train_y, _ = read_split(f)
        test_x, test_y, test_head = read_split(f)
    mean, sd = train_x.mean(0), train_x.std(0)
    sd[sd < 1e-6] = 1.0
    train_s, test_s = (train_x - mean) / sd, (test_x - mean) / sd
    rows = int(os.environ.get("SVC_ROWS", len(train_s)))
    print(f"{path}: {len(train_s)} training rows, {len(test_s)} test rows, {train_s.shape[1]} features")
    print(f"  CNN head                         {np.mean(test_head == test_y):.4f}")

    from sklearn.svm import SVC, LinearSVC
    from sklearn.linear_model import LogisticRegression

    c = float(os.environ.get("SVC_C", 10))
    started = time.time()
    svc = SVC(C=c, kernel="rbf", gamma="scale", cache_size=2000).fit(train_s[:rows], train_y[:rows])
    acc = np.mean(svc.predict(test_s) == test_y)
    print(f"  scikit-learn SVC (RBF, C={c:g}, exact, {rows} rows)  {acc:.4f}  in {time.time() - started:.1f} s")
    if os.environ.get("LINEAR") == "1":
        for name, model in [("LinearSVC", LinearSVC(C=0.1)), ("logistic regression", LogisticRegression(max_iter=500))]:
            started = time.time()
            acc = np.mean(model.fit(train_s, train_y).predict(test_s) == test_y)
            print(f"  scikit-learn {name:<20} {acc:.4f}  in {time.time() - started:.1f} s")

    binary = os.environ.get("FASHION_TRAIN", "target/release/fashion-train")
    for q in queries:
        acc, fit, wall, what, lam = ours(binary, path, q)
        print(f"  ours, Pegasos '{q}' ({what})  {acc:.4f}  in {fit:.1f} s (wall {wall:.1f} s)")
        for line in lam:
            print(f"      {line}")


if __name__ == "__main__":
    main()
