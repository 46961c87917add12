#!/bin/bash
# GPU checks for issue 22: unpack the .NET runtime + softq build, selftest through cuBLAS, the learner bench.
cd "$(dirname "$0")"
mkdir -p /tmp/b && tar -C /tmp/b -xJf runtime.tar.xz && cp -r softq /tmp/b/ || exit 1
export DOTNET_ROOT=/tmp/b/dotnet PATH=/tmp/b/dotnet:$PATH LD_LIBRARY_PATH=/tmp/b/lib:${LD_LIBRARY_PATH:-}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv; nvidia-smi | head -12; nproc; ls -d /usr/local/cuda*; } > $OUT/nvidia-smi.txt 2>&1
cat $OUT/nvidia-smi.txt | head -3
S=/tmp/b/softq/softq.dll
SECONDS=0
timeout ${SELFTEST_S:-150} dotnet $S selftest --device cuda > $OUT/selftest.txt 2>&1; echo "selftest rc=$? in ${SECONDS}s"; tail -25 $OUT/selftest.txt
SECONDS=0
timeout ${BENCH_S:-300} dotnet $S bench learner --device cuda --seeds ${SEEDS:-1,10} --json ${BENCH_ARGS:-} > $OUT/bench-cuda.json 2> $OUT/bench-cuda.err; echo "bench rc=$? in ${SECONDS}s"; cat $OUT/bench-cuda.err; python3 -c "import json,sys; [print(r[\"config\"], r[\"seeds\"], round(r[\"sql_seed_steps_per_second\"]), round(r[\"ddpg_seed_steps_per_second\"]), r[\"kernel_launches_per_step\"], r[\"ddpg_kernel_launches_per_step\"], round(r[\"gemm_tflops\"],2), round(r[\"flop_rate_fraction\"],3), r[\"bytes_allocated_per_step\"]) for r in json.load(open(sys.argv[1]))]" $OUT/bench-cuda.json
SECONDS=0
SOFTQ_CUDA_GRAPHS=0 timeout ${BENCH_S:-300} dotnet $S bench learner --device cuda --seeds ${SEEDS:-1,10} --json ${BENCH_ARGS:-} > $OUT/bench-cuda-eager.json 2> $OUT/bench-cuda-eager.err; echo "eager bench rc=$? in ${SECONDS}s"; cat $OUT/bench-cuda-eager.err; python3 -c "import json,sys; [print('eager', r[\"config\"], r[\"seeds\"], round(r[\"sql_seed_steps_per_second\"]), round(r[\"ddpg_seed_steps_per_second\"]), r[\"kernel_launches_per_step\"], r[\"bytes_allocated_per_step\"]) for r in json.load(open(sys.argv[1]))]" $OUT/bench-cuda-eager.json
SECONDS=0
NCU=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
SOFTQ_CUDA_GRAPHS=0 timeout ${NCU_S:-120} $NCU --clock-control none --metrics gpu__time_duration.sum --launch-skip 400 --launch-count 90 --csv \
  dotnet $S bench learner --device cuda --seeds 1 --config swimmer --steps 3 > $OUT/ncu-swimmer.csv 2> $OUT/ncu.err; echo "ncu rc=$? in ${SECONDS}s"; tail -3 $OUT/ncu.err
python3 - $OUT/ncu-swimmer.csv <<'PY'
import csv, sys, collections
rows = [r for r in csv.reader(open(sys.argv[1])) if len(r) > 10]
if not rows: sys.exit()
h = rows[0]; ki = h.index("Kernel Name"); vi = h.index("Metric Value"); ii = h.index("ID")
tot = collections.defaultdict(float); cnt = collections.Counter()
for r in rows[1:]:
    try: v = float(r[vi].replace(",", ""))
    except: continue
    tot[r[ki][:60]] += v; cnt[r[ki][:60]] += 1
for k, v in sorted(tot.items(), key=lambda x: -x[1])[:25]: print(f"{v/1000:9.1f} us {cnt[k]:3d}x {k}")
print("total", sum(tot.values())/1000, "us over", sum(cnt.values()), "kernels")
PY
