#!/usr/bin/env python3
"""Disassembles C2's code for one method from a -XX:CompileCommand=print log without hsdis.

Without an hsdis library HotSpot prints compiled code as hex; this decodes the last full (non-OSR)
C2 compile of METHOD with objdump and prints the loop with the most FMAs, then the most packed
vector instructions (the kernel's hot loop) and how many instructions of each kind it has: how C2 compiled a Vector API kernel
(spills, register copies, bounds checks, unrolling) is what decides its speed.

  J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
  $J --add-modules jdk.incubator.vector -XX:+UnlockDiagnosticVMOptions \
     -XX:CompileCommand=print,org.rnn4j.simd.SimdKernels::tile4 -cp ... Harness > tile4.log
  bench/c2-loop.py tile4.log SimdKernels::tile4 [--all]

Needs objdump (binutils). --all prints the whole method instead of the loop.
"""
import collections
import re
import subprocess
import sys
import tempfile

ROW = re.compile(r'\s+0x([0-9a-f]+): ((?:[0-9a-f]{4,8}\s*\|?\s*)+)$')


def code_bytes(lines, method):
    heads = [i for i, l in enumerate(lines)
             if l.startswith('Compiled method (c2)') and method in l and ' % ' not in l]
    if not heads:
        sys.exit(f'no full C2 compile of {method} in the log (run longer, or check the name)')
    data, start = bytearray(), None
    for line in lines[heads[-1] + 1:]:
        if line.startswith('Compiled method') or line.startswith('-----'):
            break
        m = ROW.match(line)
        if not m:
            continue
        addr = int(m.group(1), 16)
        raw = bytes.fromhex(re.sub(r'[|\s]', '', m.group(2)))
        if start is None:
            start = addr
        off = addr - start
        if off > len(data):
            data += b'\x90' * (off - len(data))
        data[off:off + len(raw)] = raw
    return start, bytes(data)


def disassemble(start, data):
    with tempfile.NamedTemporaryFile(suffix='.bin') as f:
        f.write(data)
        f.flush()
        out = subprocess.run(['objdump', '-D', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'intel',
                              f'--adjust-vma={start:#x}', f.name], capture_output=True, text=True,
                             check=True).stdout
    insns = []
    for line in out.splitlines():
        parts = line.split('\t')
        if len(parts) >= 3 and parts[0].strip().endswith(':'):
            insns.append((int(parts[0].strip()[:-1], 16), parts[2].strip()))
    return insns


def hot_loop(insns):
    """The innermost loop (a backward jump with no other loop inside) with the most FMAs, then
    the most packed vector instructions."""
    loops = []
    for addr, text in insns:
        m = re.match(r'j\w+\s+0x([0-9a-f]+)', text)
        if m and int(m.group(1), 16) < addr:
            loops.append((int(m.group(1), 16), addr))
    inner = [(t, a) for t, a in loops
             if not any((t2, a2) != (t, a) and t <= t2 and a2 <= a for t2, a2 in loops)]
    best = None
    for t, a in inner:
        body = [i for i in insns if t <= i[0] <= a]
        key = (sum('fma' in x for _, x in body), sum(bool(re.match(r'v\w+p[sd]\b', x)) for _, x in body))
        if best is None or key > best[0]:
            best = (key, body)
    return best[1] if best else []


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    lines = open(sys.argv[1], errors='replace').read().splitlines()
    start, data = code_bytes(lines, sys.argv[2])
    insns = disassemble(start, data)
    body = insns if '--all' in sys.argv else hot_loop(insns)
    for addr, text in body:
        print(f'{addr:#x}  {text}')
    kinds = collections.Counter(t.split()[0] for _, t in body if t)
    print(f'\n{len(body)} instructions:', ', '.join(f'{k} {n}' for k, n in kinds.most_common()))


if __name__ == '__main__':
    main()
