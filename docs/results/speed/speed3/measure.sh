#!/bin/bash
# final: HEAD (/tmp/frozen-final), 1 and 2 threads interleaved, 3 rounds; ant pretraining once
cd /work/runs/speed3
lscpu > lscpu.txt
for round in 1 2 3; do
  for cfg in ant-maze swimmer-finish-line; do
    for t in 1 2; do
      dir=$cfg-head-t$t-r$round
      /tmp/frozen-final/softq train --config $cfg.yaml --threads $t --run-dir $dir > $dir.stdout 2>&1
      echo "$(date +%T) $dir rc=$?" >> log
    done
  done
done
for t in 1 2; do
  dir=ant-pretrain-head-t$t-r1
  /tmp/frozen-final/softq train --config ant-pretrain.yaml --threads $t --run-dir $dir > $dir.stdout 2>&1
  echo "$(date +%T) $dir rc=$?" >> log
done
echo done >> log
