#!/usr/bin/env python3
"""Per-run table of the temperature issue's swimmer runs, read from each run folder's own files.

usage: summarize.py RUN_DIR... > swimmer-table.md
       summarize.py --every N RUN_DIR...   (per run, every N-th epoch: forward/backward episodes of the evaluation,
                                             particle_minority_fraction and q_spread_over_alpha where logged)

Columns: epochs done; mean evaluation return over the last 10 epochs; the last evaluation's progress band; the
centre-of-mass x range reached over the run (min of min_com_x, max of max_com_x); mean Q of the last epoch;
q_spread_over_alpha over the last 10 epochs; particle_minority_fraction over the last 10 epochs (builds that log it);
the last evaluation's forward episodes and episodes past x = 1.5; the epoch from which every evaluation had all of its
episodes on one side (commitment), if any; the epochs whose evaluation went both ways (at least 10 % of the episodes each
way) and the last of them; wall time. Forward/backward per episode is the sign of its final centre-of-mass
x (the swimmer starts at x = 0); past the line: final x > 1.5.
"""
import csv
import math
import os
import sys


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def number(row, key):
    value = row.get(key, "")
    try:
        return float(value)
    except ValueError:
        return math.nan


def episode_sides(run, epoch):
    """(forward, backward, past_line, episodes) of one epoch's evaluation, from evaluation/episodes_NNNN.csv."""
    path = os.path.join(run, "evaluation", f"episodes_{epoch:04d}.csv")
    if not os.path.exists(path):
        return None
    xs = [float(r["final_com_x"]) for r in read_rows(path)]
    return sum(x > 0 for x in xs), sum(x < 0 for x in xs), sum(x > 1.5 for x in xs), len(xs)


def mean(values):
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


def fmt(value, digits=1):
    return "—" if math.isnan(value) else f"{value:.{digits}f}"


def summarize(run):
    rows = read_rows(os.path.join(run, "metrics.csv"))
    last10 = rows[-10:]
    last = rows[-1]
    sides = [episode_sides(run, int(r["epoch"])) for r in rows]
    committed = "—"
    for start in range(len(rows)):
        tail = sides[start:]
        if all(s is not None for s in tail) and tail:
            if all(s[0] == s[3] for s in tail):
                committed = f"{rows[start]['epoch']} forward"
                break
            if all(s[1] == s[3] for s in tail):
                committed = f"{rows[start]['epoch']} backward"
                break
    forward, _, past, episodes = sides[-1] if sides[-1] else (math.nan,) * 4
    two_sided = [int(r["epoch"]) for r, side in zip(rows, sides) if side and min(side[0], side[1]) >= 0.1 * side[3]]
    return (
        f"| {os.path.basename(os.path.normpath(run))} | {last['epoch']} | {fmt(mean(number(r, 'average_return') for r in last10))} "
        f"| {number(last, 'progress_min'):.2f} … {number(last, 'progress_max'):.2f} "
        f"| {min(number(r, 'min_com_x') for r in rows):.2f} / {max(number(r, 'max_com_x') for r in rows):.2f} "
        f"| {fmt(number(last, 'mean_q'))} | {fmt(mean(number(r, 'q_spread_over_alpha') for r in last10), 3)} "
        f"| {fmt(mean(number(r, 'particle_minority_fraction') for r in last10), 3)} "
        f"| {forward}/{episodes} / {past} | {committed} | {len(two_sided)} of {len(rows)}, last {two_sided[-1] if two_sided else '—'} "
        f"| {number(last, 'wall_seconds') / 60:.0f} min |"
    )


def per_epoch(runs, every):
    for run in runs:
        rows = read_rows(os.path.join(run, "metrics.csv"))
        print(f"### {os.path.basename(os.path.normpath(run))}")
        print()
        print("| epoch | forward / backward of the evaluation | avg eval return | particle_minority_fraction | particle_action_std | q_spread_over_alpha |")
        print("|---|---|---|---|---|---|")
        for row in rows:
            epoch = int(row["epoch"])
            if epoch % every and epoch != len(rows):
                continue
            forward, backward, _, episodes = episode_sides(run, epoch) or (math.nan,) * 4
            print(f"| {epoch} | {forward} / {backward} of {episodes} | {fmt(number(row, 'average_return'))} "
                  f"| {fmt(number(row, 'particle_minority_fraction'), 3)} | {fmt(number(row, 'particle_action_std'), 3)} "
                  f"| {fmt(number(row, 'q_spread_over_alpha'), 3)} |")
        print()


def main(runs):
    print("| run | epochs | avg eval return, last 10 | last eval progress min … max | COM x reached (min / max) | mean Q "
          "| q_spread_over_alpha, last 10 | particle_minority_fraction, last 10 | last eval forward / past 1.5 | committed (epoch, side) "
          "| epochs going both ways | wall |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for run in runs:
        print(summarize(run))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[1] == "--every":
        per_epoch(sys.argv[3:], int(sys.argv[2]))
    else:
        main(sys.argv[1:])
