#!/usr/bin/env python3
"""Per-row summary of bench/interleave.sh's forks: ms per call of each fork (in round order),
the median, and median ratios against simd (time ratio native/simd, speed ratio simd x ORT)."""
import glob, json, os, statistics, sys
from collections import defaultdict

runs = defaultdict(dict)  # (config, threads) -> impl -> [(round, score)]
for f in glob.glob(os.path.join(sys.argv[1], '*.json')):
    rnd = int(os.path.basename(f).split('-')[0])
    for r in json.load(open(f)):
        p = r['params']
        runs[(p['config'], int(p['threads']))].setdefault(p['impl'], []).append((rnd, r['primaryMetric']['score']))
impls = sorted({i for v in runs.values() for i in v}, key=lambda i: ['simd', 'native', 'blas', 'ort'].index(i) if i in ['simd', 'native', 'blas', 'ort'] else 9)
print('| config | threads | ' + ' | '.join(f'{i} (forks)' for i in impls) + ' | native ÷ simd time | simd × ORT |')
print('|---|---:|' + '---|' * len(impls) + '---:|---:|')
for (cfg, th) in sorted(runs):
    row = runs[(cfg, th)]
    med = {i: statistics.median(s for _, s in row[i]) for i in row}
    cells = [' / '.join(f'{s:.2f}' for _, s in sorted(row[i])) if i in row else '–' for i in impls]
    nat = f"{med['native'] / med['simd']:.2f}" if 'native' in med and 'simd' in med else '–'
    ort = f"{med['ort'] / med['simd']:.2f}" if 'ort' in med and 'simd' in med else '–'
    print(f'| {cfg} | {th} | ' + ' | '.join(cells) + f' | {nat} | {ort} |')
