#!/usr/bin/env python3
"""Per-row summary of bench/interleave.sh's forks: ms per call of each fork (in round order),
the median, and median ratios against simd (time ratio native/simd, speed ratio simd x ORT).
A fork run in JMH's sample mode (JMH_OPTS with -bm sample) counts with its median call, which a
noisy neighbour's bursts move far less than the mean of an average-time fork. The last two columns
compare each implementation's fastest fork."""
import glob, json, os, statistics, sys
from collections import defaultdict

runs = defaultdict(dict)  # (config, threads) -> impl -> [(round, score)]
recurrence = defaultdict(list)  # (config, threads) -> [ms]
fma = defaultdict(list)  # threads -> [ms]
for f in glob.glob(os.path.join(sys.argv[1], '*.json')):
    rnd = int(os.path.basename(f).split('-')[0])
    for r in json.load(open(f)):
        p = r['params']
        m = r['primaryMetric']
        score = m['scorePercentiles']['50.0'] if r['mode'] == 'sample' else m['score']
        if r['benchmark'].endswith('CeilingBenchmark.recurrence'):
            recurrence[(p['config'], int(p['threads']))].append(score)
        elif r['benchmark'].endswith('CeilingBenchmark.fma'):
            fma[int(p['threads'])].append(score)
        else:
            runs[(p['config'], int(p['threads']))].setdefault(p['impl'], []).append((rnd, score))
impls = sorted({i for v in runs.values() for i in v}, key=lambda i: ['simd', 'native', 'blas', 'ort'].index(i) if i in ['simd', 'native', 'blas', 'ort'] else 9)
print('| config | threads | ' + ' | '.join(f'{i} (forks)' for i in impls)
      + ' | native ÷ simd time | simd × ORT | native ÷ simd, best forks | simd × ORT, best forks |')
print('|---|---:|' + '---|' * len(impls) + '---:|---:|---:|---:|')
for (cfg, th) in sorted(runs):
    row = runs[(cfg, th)]
    med = {i: statistics.median(s for _, s in row[i]) for i in row}
    cells = [' / '.join(f'{s:.2f}' for _, s in sorted(row[i])) if i in row else '–' for i in impls]
    # A neighbour only ever adds time, so each implementation's fastest fork is the other estimate.
    best = {i: min(s for _, s in row[i]) for i in row}
    def ratio(d, a, b):
        return f"{d[a] / d[b]:.2f}" if a in d and b in d else '–'
    print(f'| {cfg} | {th} | ' + ' | '.join(cells) + f" | {ratio(med, 'native', 'simd')} | {ratio(med, 'ort', 'simd')}"
          + f" | {ratio(best, 'native', 'simd')} | {ratio(best, 'ort', 'simd')} |")

if recurrence and fma:
    # CeilingBenchmark.fma: FMA_CHUNKS_PER_THREAD (4) x FMA_CHAINS (12) x FMA_LANE_FMAS (2^20), 2 FLOP
    # each; the projection's FLOP as BenchConfig.projectionFlopsPerCall counts them (Report's floors table).
    def projection_flops(cfg):
        parts = cfg.split('_')
        gates = {'lstm': 4, 'gru': 3}.get(parts[0], 1)
        nums = [int(x) for x in parts if x.isdigit()]
        i, h, t, b = nums[-4:]
        layers = next((int(x[1:]) for x in parts if x.startswith('L') and x[1:].isdigit()), 1)
        dirs = 2 if parts[-1] == 'bi' else 1
        return sum(dirs * 2.0 * gates * h * (i if k == 0 else dirs * h) for k in range(layers)) * t * b
    print()
    print('| config | threads | recurrence ms (median) | FMA peak GFLOP/s (median) | floor ms | simd ms (median) '
          '| floor / simd | ORT ms (median) | ORT / floor |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (cfg, th) in sorted(recurrence):
        if th not in fma:
            continue
        peak = 2.0 * 4 * th * 12 * 2**20 / (statistics.median(fma[th]) * 1e6)
        floor = statistics.median(recurrence[(cfg, th)]) + projection_flops(cfg) / (peak * 1e6)
        row = runs.get((cfg, th), {})
        simd = statistics.median(s for _, s in row['simd']) if 'simd' in row else None
        ort = statistics.median(s for _, s in row['ort']) if 'ort' in row else None
        f2 = lambda v: f'{v:.3f}' if v is not None else '–'
        print(f'| {cfg} | {th} | {statistics.median(recurrence[(cfg, th)]):.3f} | {peak:.1f} | {floor:.3f} | {f2(simd)} '
              f"| {f'{floor / simd:.2f}' if simd else '–'} | {f2(ort)} | {f'{ort / floor:.2f}' if ort else '–'} |")
