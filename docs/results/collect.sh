#!/usr/bin/env bash
# Copies a run folder's records into DEST (config, run.json, metrics.csv, TensorBoard file, evaluation/episodes_*.csv;
# not the checkpoints, which hold the replay pool, nor the per-step traces), replacing an earlier copy there.
# usage: docs/results/collect.sh RUN_DIR DEST      (e.g. runs/swimmer-2m/sql-seed0 docs/results/swimmer-2m/sql-seed0)
set -euo pipefail
run=${1:?run folder}
dest=${2:?destination folder}
rm -rf "$dest"
mkdir -p "$dest/evaluation"
cp "$run"/config.yaml "$run"/run.json "$run"/metrics.csv "$run"/events.out.tfevents.* "$dest"/
cp "$run"/evaluation/episodes_*.csv "$dest/evaluation/"
echo "$dest: $(($(wc -l < "$dest/metrics.csv") - 1)) epochs"
