#!/usr/bin/env python3
"""Execute notebooks in place so their stored outputs come from a real run, or time Run All.

Cells flagged `#| slow` keep their previous outputs unless --slow is given (nbdev_test skips
them too, so no other cell may depend on them). Afterwards run nbdev_clean.
Usage: python tools/run_nb.py [--slow | --slow-match=TEXT] nbs/03_dcgan.ipynb [...]
(--slow-match runs only the slow cells whose source contains TEXT)

`--run-all` is the learner's path, as a benchmark: every cell (slow ones too, as JupyterLab's Run
All ignores the flag) in a fresh kernel, nothing written back; it prints each notebook's wall time
and fails if a notebook changed anything in ganbook/weights/.
Usage: python tools/run_nb.py --run-all nbs/*.ipynb
"""
import hashlib, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

WEIGHTS = Path(__file__).resolve().parent.parent / 'ganbook' / 'weights'

class Client(NotebookClient):
    def __init__(self, nb, run_slow, slow_match=None, **kw):
        super().__init__(nb, **kw); self.run_slow, self.slow_match = run_slow, slow_match
    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        slow = cell.cell_type == 'code' and cell.source.lstrip().startswith('#| slow')
        if slow and not self.run_slow:
            if not (self.slow_match and self.slow_match in cell.source): return cell
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

def weights_digest() -> dict:
    "SHA-256 of every file under ganbook/weights/ (records included)."
    return {str(p.relative_to(WEIGHTS)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(WEIGHTS.rglob('*')) if p.is_file() and '__pycache__' not in p.parts}

def execute(p: Path, run_slow: bool, match=None) -> nbformat.NotebookNode:
    "Run notebook `p` top to bottom in a fresh kernel; exit with its first error."
    nb = nbformat.read(p, as_version=4)
    Client(nb, run_slow, match, timeout=3600, kernel_name='python3',
           resources={'metadata': {'path': str(p.parent)}}).execute()
    errors = [o for c in nb.cells for o in c.get('outputs', []) if o.get('output_type') == 'error']
    if errors: sys.exit(f"{p}: {errors[0].get('ename')}: {errors[0].get('evalue')}")
    return nb

def run_all(paths):
    "Time Run All of each notebook; the weights folder must be unchanged afterwards."
    rows, before = [], weights_digest()
    for p in paths:
        t = time.time()
        execute(p, run_slow=True)
        rows.append((p.name, time.time() - t))
        print(f"{p.name}: Run All in {rows[-1][1]:.0f} s", flush=True)
    print('\n| notebook | Run All (s) |\n|---|---|')
    for name, s in rows: print(f'| {name} | {s:.0f} |')
    print(f'| total | {sum(s for _, s in rows):.0f} |')
    after = weights_digest()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed: sys.exit(f"ganbook/weights/ changed: {changed}")
    print('ganbook/weights/ unchanged')

def main(argv):
    paths = [Path(a) for a in argv if not a.startswith('--')]
    if '--run-all' in argv: return run_all(paths)
    match = [a.split('=', 1)[1] for a in argv if a.startswith('--slow-match=')]
    for p in paths:
        t = time.time()
        nb = execute(p, '--slow' in argv, match[0] if match else None)
        nbformat.write(nb, p)
        print(f"{p}: executed in {time.time() - t:.0f} s")

if __name__ == '__main__': main(sys.argv[1:])
