#!/bin/bash
# Issue 22's GPU measurements: selftest, learner bench (1, 10 and 100 seeds), end-to-end training of 10 swimmer seeds.
cd "$(dirname "$0")"
mkdir -p /tmp/b && tar -C /tmp/b -xJf runtime.tar.xz && cp -r softq /tmp/b/ || exit 1
export DOTNET_ROOT=/tmp/b/dotnet PATH=/tmp/b/dotnet:$PATH LD_LIBRARY_PATH=/tmp/b/lib:$PWD/lib2:${LD_LIBRARY_PATH:-}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
S=/tmp/b/softq/softq.dll
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv; nvidia-smi | head -12; nproc; lscpu | grep "Model name"; } > $OUT/machine.txt 2>&1
head -2 $OUT/machine.txt
if [ -z "${SKIP_BENCH:-}" ]; then
SECONDS=0; timeout 120 dotnet $S selftest --device cuda > $OUT/selftest.txt 2>&1; echo "selftest rc=$? in ${SECONDS}s"; tail -3 $OUT/selftest.txt
SECONDS=0; timeout 150 dotnet $S bench learner --device cuda --seeds 1,10 --json > $OUT/bench-cuda.json 2> $OUT/bench.err; echo "bench rc=$? in ${SECONDS}s"; tail -2 $OUT/bench.err
SECONDS=0; timeout 150 dotnet $S bench learner --device cuda --seeds 100 --config swimmer --json > $OUT/bench-swimmer-100.json 2>> $OUT/bench.err; echo "bench100 rc=$? in ${SECONDS}s"; tail -2 $OUT/bench.err
python3 - $OUT/bench-cuda.json $OUT/bench-swimmer-100.json <<'PY'
import json, sys
for f in sys.argv[1:]:
    try: rows = json.load(open(f))
    except Exception as e: print(f, e); continue
    for r in rows: print(r["config"], r["seeds"], "SQL", round(r["sql_seed_steps_per_second"]), "DDPG", round(r["ddpg_seed_steps_per_second"]), "launches", r["kernel_launches_per_step"], r["ddpg_kernel_launches_per_step"], "gemm TF", round(r["gemm_tflops"], 2), "B/step", r["bytes_allocated_per_step"])
PY
fi
[ "${E2E_EPOCHS:-3}" = 0 ] && exit 0
SECONDS=0
timeout ${E2E_S:-200} dotnet $S train --config "$(cd .. && pwd)/configs/swimmer-finish-line.sql.yaml" --seeds 0-9 --device cuda --epochs ${E2E_EPOCHS:-3} --run-dir /tmp/e2e > $OUT/e2e.txt 2>&1; echo "e2e rc=$? in ${SECONDS}s"; tail -14 $OUT/e2e.txt
cp /tmp/e2e/seed0/metrics.csv $OUT/e2e-seed0-metrics.csv 2>/dev/null
python3 - /tmp/e2e <<'PY'
import csv, glob, sys
rows = {p: list(csv.DictReader(open(p))) for p in sorted(glob.glob(sys.argv[1] + "/seed*/metrics.csv"))}
for p, r in rows.items():
    print(p.split("/")[-2], [(x["epoch"], x["env_steps"], round(float(x["wall_seconds"]), 1), round(float(x["gradient_steps_per_second"]))) for x in r])
if rows:
    first = next(iter(rows.values()))
    if len(first) >= 3:
        steps = int(first[-1]["env_steps"]) - int(first[0]["env_steps"]); wall = float(first[-1]["wall_seconds"]) - float(first[0]["wall_seconds"])
        print(f"learning epochs {first[1]['epoch']}-{first[-1]['epoch']}: {steps} steps per seed in {wall:.1f} s = {steps/wall:.0f} steps/s per seed, {len(rows)*steps/wall:.0f} seed-steps/s, 10 x 5 M steps -> {5e6/(steps/wall)/3600:.2f} h")
PY
