#!/usr/bin/env bash
# Copies a run folder's records into docs/results/temperature/NAME (config, run.json, metrics.csv, TensorBoard file,
# evaluation/episodes_*.csv; not the checkpoints or the per-step traces), replacing an earlier copy of the same name.
# usage: collect.sh RUN_DIR [NAME]
set -euo pipefail
run=${1:?run folder}
name=${2:-$(basename "$run")}
dest="$(dirname "${BASH_SOURCE[0]}")/$name"
rm -rf "$dest"
mkdir -p "$dest/evaluation"
cp "$run"/config.yaml "$run"/run.json "$run"/metrics.csv "$run"/events.out.tfevents.* "$dest"/
cp "$run"/evaluation/episodes_*.csv "$dest/evaluation/"
echo "$dest: $(($(wc -l < "$dest/metrics.csv") - 1)) epochs"
