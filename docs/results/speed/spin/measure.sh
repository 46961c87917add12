#!/bin/bash
# 2 threads: HEAD (spinning hand-off) vs HEAD without the spin, interleaved, 2 rounds
cd /work/runs/spin
for round in 1 2; do
  for cfg in ant-maze swimmer-finish-line; do
    for build in spin nospin; do
      bin=/tmp/frozen-final/softq; [ $build = nospin ] && bin=/tmp/nospin/softq
      dir=$cfg-$build-t2-r$round
      $bin train --config $cfg.yaml --threads 2 --run-dir $dir > $dir.stdout 2>&1
      echo "$(date +%T) $dir rc=$?" >> log
    done
  done
done
echo done >> log
