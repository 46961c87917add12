#!/usr/bin/env python3
"""Does mean Q climb as one soft Bellman backup per target copy? (README.md, "mean Q is still climbing", the 64-unit runs)

usage: qfit.py RUN_DIR...      (SQL runs, e.g. docs/results/swimmer-2m/sql-hidden64-seed*)

A critic that fits its targets, with the target network copied every C gradient steps, climbs towards its fixed point
as Q*·(1 − γⁿ) after n = gradient_steps / C copies. Per run: Q* by least squares of metrics.csv's mean_q on
1 − γⁿ over the first FIT epochs, then mean_q beside the fitted curve at a few epochs. γ and C come from the run's
config.yaml (discount, target_update_interval).
"""
import csv
import math
import os
import sys

FIT_EPOCHS = 200
SHOWN_EPOCHS = (25, 50, 100, 200, 300, 400)


def config_number(run, key):
    with open(os.path.join(run, "config.yaml")) as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name.strip() == key:
                return float(rest.split("#")[0])
    raise SystemExit(f"{run}/config.yaml: no {key}")


def fit(run):
    gamma, interval = config_number(run, "discount"), config_number(run, "target_update_interval")
    with open(os.path.join(run, "metrics.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    mean_q = [float(r["mean_q"]) for r in rows]
    curve = [1 - gamma ** (float(r["gradient_steps"]) / interval) for r in rows]
    fitted = [i for i in range(min(FIT_EPOCHS, len(rows))) if not math.isnan(mean_q[i])]
    q_star = sum(mean_q[i] * curve[i] for i in fitted) / sum(curve[i] ** 2 for i in fitted)
    shown = "  ".join(f"{e}: {mean_q[e - 1]:.1f} / {q_star * curve[e - 1]:.1f}" for e in SHOWN_EPOCHS if e <= len(rows))
    print(f"{os.path.basename(run.rstrip('/'))}  Q* {q_star:.2f}  (epoch: mean Q / fitted)  {shown}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for run in sys.argv[1:]:
        fit(run)
