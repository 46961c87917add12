#!/bin/bash
# interleaved: round, config, build (base = 57bad24, new = 2891bd0), threads
cd /work/runs/speed2
lscpu > lscpu.txt
for round in 1 2; do
  for cfg in ant-maze swimmer-finish-line; do
    for build in base new; do
      for t in 1 2; do
        dir=$cfg-$build-t$t-r$round
        bin=/tmp/frozen-ov/softq; [ $build = base ] && bin=/tmp/base/softq
        $bin train --config $cfg.yaml --threads $t --run-dir $dir > $dir.stdout 2>&1
        echo "$(date +%T) $dir rc=$?" >> log
      done
    done
  done
done
echo done >> log
