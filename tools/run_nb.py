#!/usr/bin/env python3
"""Execute notebooks in place so their stored outputs come from a real run.

Cells flagged `#| slow` keep their previous outputs unless --slow is given (nbdev_test skips
them too, so no other cell may depend on them). Afterwards run nbdev_clean.
Usage: python tools/run_nb.py [--slow | --slow-match=TEXT] nbs/03_dcgan.ipynb [...]
(--slow-match runs only the slow cells whose source contains TEXT)
"""
import sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

class Client(NotebookClient):
    def __init__(self, nb, run_slow, slow_match=None, **kw):
        super().__init__(nb, **kw); self.run_slow, self.slow_match = run_slow, slow_match
    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        slow = cell.cell_type == 'code' and cell.source.lstrip().startswith('#| slow')
        if slow and not self.run_slow:
            if not (self.slow_match and self.slow_match in cell.source): return cell
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

def main(argv):
    run_slow = '--slow' in argv
    match = [a.split('=', 1)[1] for a in argv if a.startswith('--slow-match=')]
    for p in [a for a in argv if not a.startswith('--')]:
        p = Path(p); t = time.time()
        nb = nbformat.read(p, as_version=4)
        Client(nb, run_slow, match[0] if match else None, timeout=3600, kernel_name='python3',
               resources={'metadata': {'path': str(p.parent)}}).execute()
        errors = [o for c in nb.cells for o in c.get('outputs', [])
                  if o.get('output_type') == 'error']
        if errors: sys.exit(f"{p}: {errors[0].get('ename')}: {errors[0].get('evalue')}")
        nbformat.write(nb, p)
        print(f"{p}: executed in {time.time() - t:.0f} s")

if __name__ == '__main__': main(sys.argv[1:])
