#!/bin/bash
# interleaved: round, config, build (base = 57bad24, grouped = HEAD of /tmp/frozen-gr), threads
cd /work/runs/speed2
for round in 2 3; do
  for cfg in ant-maze swimmer-finish-line; do
    for build in base grouped; do
      for t in 1 2; do
        dir=$cfg-$build-t$t-r$round
        bin=/tmp/frozen-gr/softq; [ $build = base ] && bin=/tmp/base/softq
        $bin train --config $cfg.yaml --threads $t --run-dir $dir > $dir.stdout 2>&1
        echo "$(date +%T) $dir rc=$?" >> log
      done
    done
  done
done
echo done2 >> log
