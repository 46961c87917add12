import csv, glob, os, collections
rates = collections.defaultdict(list)
for d in sorted(glob.glob('/work/runs/speed2/*-r[0-9]')):
    p = os.path.join(d, 'metrics.csv')
    if not os.path.exists(p): continue
    r = list(csv.DictReader(open(p)))
    if len(r) < 4: continue
    rate = (float(r[3]['env_steps']) - float(r[1]['env_steps'])) / (float(r[3]['wall_seconds']) - float(r[1]['wall_seconds']))   # epochs 3-4: learning at steady state
    name = os.path.basename(d)
    cfg, rest = name.rsplit('-', 3)[0], name.rsplit('-', 3)[1:]
    rates[(cfg, rest[0], rest[1])].append(rate)
    print(f"{name:40s} e2e {rate:7.1f} steps/s   updates/s {[round(float(x['gradient_steps_per_second']),1) for x in r[1:]]}  env/s {[round(float(x['env_steps_per_second'])) for x in r[1:]]}")
print()
for cfg in sorted({k[0] for k in rates}):
    for build in ('base', 'new', 'grouped'):
        t1, t2 = rates.get((cfg, build, 't1'), []), rates.get((cfg, build, 't2'), [])
        if t1 and t2:
            m1, m2 = sum(t1)/len(t1), sum(t2)/len(t2)
            print(f"{cfg:22s} {build:4s}  1t {m1:6.1f}  2t {m2:6.1f}  ratio {m2/m1:.2f}   runs 1t {[round(x,1) for x in t1]} 2t {[round(x,1) for x in t2]}")
