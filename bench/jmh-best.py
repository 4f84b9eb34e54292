#!/usr/bin/env python3
"""Best and median iteration of each JMH fork in the given JSON files, and for each configuration and
thread count every implementation's time as a ratio to ONNX Runtime's (ORT time / its time: above 1
is faster than ORT), by best iterations and by medians. For noisy hosts, where JMH's mean ± error
says little: bench/device-check.sh prints this at its end."""
import json
import sys
from collections import defaultdict

rows = defaultdict(dict)
for path in sys.argv[1:]:
    for r in json.load(open(path)):
        p = r["params"]
        raw = sorted(x for fork in r["primaryMetric"]["rawData"] for x in fork)
        impl = p["impl"] + ("" if p.get("precision", "fp32") == "fp32" else "/" + p["precision"])
        rows[(p["config"], int(p.get("threads", 1)))][impl] = (raw[0], raw[len(raw) // 2])

print("config threads: impl best/median ms ... | ORT time / impl time, best/median")
for (config, threads), d in sorted(rows.items()):
    line = f"{config} {threads}t: " + "  ".join(f"{i} {b:.2f}/{m:.2f}" for i, (b, m) in sorted(d.items()))
    if "ort" in d:
        ob, om = d["ort"]
        line += "  | " + "  ".join(f"{i} {ob / b:.2f}/{om / m:.2f}" for i, (b, m) in sorted(d.items()) if i != "ort")
    print(line)
