#!/usr/bin/env python3
"""The 2 M-step swimmer table (issue "Fidelity: ... the swimmer at 2 M steps"), read from each run's metrics.csv outcome columns.

usage: table.py RUN_DIR...      (e.g. docs/results/swimmer-2m/*-seed*)

Per run: epochs done; the last evaluation's episodes forward / backward (outcome_forward, outcome_backward) and the
direction they say (forward or backward when at least 90 % of the episodes go that way, else both); the epoch from which
every evaluation had all of its episodes on one side (commitment), if any; the largest centre-of-mass x over the run
(outcome_max_forward_x); the last evaluation's episodes past x = 1.5 (outcome_past_line) of outcome_episodes; of the
last 50 evaluations, how many had most of their episodes past the line (one evaluation is noisy: a run whose policy
alternates between a fast and a slow forward gait can end on a slow one); wall time.
Then, per setting (the folder name without its -seedS: sql, sql-hidden64, ddpg), the count of seeds whose last evaluation
is forward past the line in most episodes, the paper's success (outcome_success).
"""
import csv
import math
import os
import re
import sys
from collections import defaultdict


def rows_of(run):
    with open(os.path.join(run, "metrics.csv"), newline="") as f:
        return list(csv.DictReader(f))


def value(row, key):
    try:
        return float(row[key])
    except (KeyError, ValueError):
        return math.nan


def describe(run):
    rows = rows_of(run)
    last = rows[-1]
    episodes = value(last, "outcome_episodes")
    forward, backward = value(last, "outcome_forward"), value(last, "outcome_backward")
    direction = "forward" if forward >= 0.9 * episodes else "backward" if backward >= 0.9 * episodes else "both"
    committed = "—"
    for start in range(len(rows)):
        tail = rows[start:]
        if all(value(r, "outcome_forward") == value(r, "outcome_episodes") for r in tail):
            committed = f"{rows[start]['epoch']} (forward)"
            break
        if all(value(r, "outcome_backward") == value(r, "outcome_episodes") for r in tail):
            committed = f"{rows[start]['epoch']} (backward)"
            break
    max_x = max(value(r, "outcome_max_forward_x") for r in rows)
    recent = rows[-50:]
    mostly_past = sum(value(r, "outcome_past_line") > value(r, "outcome_episodes") / 2 for r in recent)
    return setting_of(run), value(last, "outcome_success"), (
        f"| {os.path.basename(os.path.normpath(run))} | {last['epoch']} | {forward:.0f} / {backward:.0f} ({direction}) | {committed} "
        f"| {max_x:.2f} | {value(last, 'outcome_past_line'):.0f} of {episodes:.0f} | {mostly_past} of {len(recent)} | {value(last, 'wall_seconds') / 3600:.2f} h |")


def setting_of(run):
    """The folder name without its -seedS: sql-seed0 and sql-seed1 are one setting, sql-hidden64-seed0 another."""
    return re.sub(r"-seed\d+$", "", os.path.basename(os.path.normpath(run)))


def main(runs):
    print("| run | epochs | last evaluation forward / backward | committed from epoch | max forward COM x | last evaluation past 1.5 "
          "| last 50 evaluations with most episodes past 1.5 | wall |")
    print("|---|---|---|---|---|---|---|---|")
    successes = defaultdict(lambda: [0, 0])
    for run in runs:
        setting, success, line = describe(run)
        print(line)
        successes[setting][0] += success == 1
        successes[setting][1] += 1
    print()
    for setting, (good, total) in sorted(successes.items()):
        print(f"- {setting}: {good}/{total} seeds forward past the line at the last evaluation (outcome_success)")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
