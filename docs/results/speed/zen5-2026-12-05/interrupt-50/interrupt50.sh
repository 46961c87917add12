#!/usr/bin/env bash
# 50 interrupted two-thread oneDNN runs in a row (docs/performance.md, "oneDNN and signals"): SIGTERM while learning,
# run from the repository root after ./softq has built it; then the exit status, glibc's abort message, run.json's status and whether the checkpoint loads (softq eval).
S=$PWD/${SOFTQ_DLL:-src/SoftQRobotics.Cli/bin/Release/net10.0/softq.dll}   # a built softq (the recorded runs: a frozen clone of 8ff7511)
rm -rf ${OUT:-/tmp/intr}; mkdir -p ${OUT:-/tmp/intr}
for i in $(seq 1 50); do
  d=${OUT:-/tmp/intr}/run$i
  SOFTQ_GEMM=onednn dotnet $S train --config configs/multigoal.sql.quick.yaml --threads 2 --seed $i --run-dir $d > ${OUT:-/tmp/intr}/out$i.txt 2> ${OUT:-/tmp/intr}/err$i.txt &
  pid=$!
  t0=$SECONDS
  while [ ! -f $d/metrics.csv ] || [ $(wc -l < $d/metrics.csv) -lt 2 ]; do sleep 0.1; [ $((SECONDS - t0)) -gt 120 ] && break; done
  sleep $(python3 -c "import random; print(round(random.uniform(0, 1.5), 2))")
  kill -TERM $pid; wait $pid; rc=$?
  status=$(python3 -c "import json; print(json.load(open('$d/run.json'))['status'])" 2>/dev/null)
  dotnet $S eval $d --episodes 1 > ${OUT:-/tmp/intr}/eval$i.txt 2>&1; erc=$?
  corrupted=$(grep -c -i "corrupted\|malloc\|double free\|Aborted" ${OUT:-/tmp/intr}/err$i.txt)
  echo "$i rc=$rc status=$status eval_rc=$erc abort_lines=$corrupted epochs=$(($(wc -l < $d/metrics.csv) - 1)) backend=$(grep -o '"backend": *"[a-z]*"' $d/run.json | head -1)" >> ${OUT:-/tmp/intr}/summary.txt
done
echo done >> ${OUT:-/tmp/intr}/summary.txt
