#!/bin/bash
# after measure2: the learner bench (new and base builds), evaluation cost, ant pretraining end to end
cd /work/runs/speed2
while ! grep -q done2 log; do sleep 10; done
/tmp/frozen-gr/softq bench learner --backend all --steps 60 --json > bench-learner-grouped.json 2> bench-learner-grouped.stderr; echo "$(date +%T) bench grouped rc=$?" >> log
/tmp/base/softq bench learner --backend openblas --steps 60 --json > bench-learner-base.json 2> bench-learner-base.stderr; echo "$(date +%T) bench base rc=$?" >> log
for cfg in ant-maze swimmer-finish-line; do
  for t in 2 1; do
    /tmp/frozen-gr/softq train --config eval-$cfg.yaml --threads $t --run-dir eval-$cfg-t$t > eval-$cfg-t$t.stdout 2>&1; echo "$(date +%T) eval-$cfg-t$t rc=$?" >> log
  done
done
for build in base grouped; do
  for t in 1 2; do
    bin=/tmp/frozen-gr/softq; [ $build = base ] && bin=/tmp/base/softq
    dir=ant-pretrain-$build-t$t-r1
    $bin train --config ant-pretrain.yaml --threads $t --run-dir $dir > $dir.stdout 2>&1; echo "$(date +%T) $dir rc=$?" >> log
  done
done
echo done3 >> log
