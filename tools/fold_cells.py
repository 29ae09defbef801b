#!/usr/bin/env python3
"""Collapse in JupyterLab every cell that the site folds: a code cell whose first lines hold
`#| code-fold: true` gets the cell metadata `jupyter.source_hidden = true` (settings.ini's
`allowed_cell_metadata_keys = jupyter` keeps it through nbdev_clean).
tests/test_lessons.py checks that the two agree. Usage: python tools/fold_cells.py nbs/*.ipynb"""
import sys
import nbformat

def fold(path) -> int:
    "Set source_hidden on the folded cells of notebook `path`; returns how many are folded."
    nb, n = nbformat.read(path, as_version=4), 0
    for c in nb.cells:
        folded = c.cell_type == 'code' and '#| code-fold: true' in c.source.split('\n')[:3]
        if folded:
            c.metadata['jupyter'] = {'source_hidden': True}
            n += 1
        elif c.metadata.get('jupyter', {}).get('source_hidden'): del c.metadata['jupyter']
    nbformat.write(nb, path)
    return n

if __name__ == '__main__':
    for p in sys.argv[1:]: print(f'{p}: {fold(p)} folded cells')
