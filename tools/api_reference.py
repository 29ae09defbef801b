#!/usr/bin/env python3
"""Write the "API reference" section at the end of each module's notebook, and run its show_docs.

Every public name of a module (its `__all__`, and the public methods of its classes that nbdev
indexes) gets a `show_doc` entry: the lesson's own show_doc cells count, the rest go in one
section at the end of the notebook, so that they do not interrupt the lesson. Then every show_doc
cell of the notebook (lesson and section) is executed, in a fresh kernel that first imports the
module, so that their stored outputs (and source links) are current; other cells are left as
they are. Afterwards run nbdev_clean.
Usage: python tools/api_reference.py [nbs/03_dcgan.ipynb ...]   (default: every notebook)
"""
import importlib, re, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
HEAD = '## API reference'
INTRO = (HEAD + '\n\nEvery public name of `ganbook.{mod}` that the lesson above does not already '
         'show, with its signature, docstring and a link to its source.')
SHOW = re.compile(r"^show_doc\(([\w.]+)(?:, name='[\w.]+')?\)\s*$", re.M)
IMPORT = '#| hide\nfrom nbdev.showdoc import show_doc'   # the section runs on its own too

def module_of(nb) -> str | None:
    for c in nb.cells:
        m = re.search(r'^#\|\s*default_exp\s+(\S+)', c.source, re.M) if c.cell_type == 'code' \
            else None
        if m: return m[1]

def public_names(mod: str) -> list[str]:
    "`__all__`, then each public class's public methods that nbdev's index lists."
    m = importlib.import_module(f'ganbook.{mod}')
    from ganbook._modidx import d
    idx = [k[len(f'ganbook.{mod}.'):] for k in d['syms'].get(f'ganbook.{mod}', {})]
    names = list(m.__all__)
    for k in idx:
        cls, _, meth = k.partition('.')
        if meth and cls in m.__all__ and not meth.startswith('_') and k not in names:
            names.append(k)
    return names

def show_call(mod: str, name: str) -> str:
    "`show_doc(name)`; for a constant, `show_doc(name, name='name')`, which shows its assignment."
    from ganbook.showdoc import is_constant
    obj = importlib.import_module(f'ganbook.{mod}')
    for part in name.split('.'): obj = getattr(obj, part)
    return f"show_doc({name}, name='{name}')" if is_constant(obj) else f'show_doc({name})'

def update(p: Path) -> int:
    nb = nbformat.read(p, as_version=4)
    mod = module_of(nb)
    if mod is None: return 0
    cut = next((i for i, c in enumerate(nb.cells)
                if c.cell_type == 'markdown' and c.source.startswith(HEAD)), len(nb.cells))
    nb.cells = nb.cells[:cut]
    shown = {m[1] for c in nb.cells if c.cell_type == 'code' for m in SHOW.finditer(c.source)}
    todo = [n for n in public_names(mod) if n not in shown]
    if todo:
        nb.cells.append(nbformat.v4.new_markdown_cell(INTRO.format(mod=mod)))
        nb.cells.append(nbformat.v4.new_code_cell(IMPORT))
        nb.cells += [nbformat.v4.new_code_cell(f'#| echo: false\n{show_call(mod, n)}')
                     for n in todo]
    run = nbformat.v4.new_notebook(metadata=nb.metadata)
    cells = [c for c in nb.cells if c.cell_type == 'code' and SHOW.search(c.source)]
    run.cells = [nbformat.v4.new_code_cell(f'from ganbook.{mod} import *\n'
                                           'from nbdev.showdoc import show_doc')] + cells
    NotebookClient(run, timeout=600, kernel_name='python3',
                   resources={'metadata': {'path': str(p.parent)}}).execute()
    for c in run.cells[1:]:                      # the same cell objects as in nb
        errs = [o for o in c.outputs if o.get('output_type') == 'error']
        if errs: sys.exit(f"{p}: {c.source!r}: {errs[0].get('evalue')}")
    nbformat.write(nb, p)
    return len(shown) + len(todo)

if __name__ == '__main__':
    paths = [Path(a) for a in sys.argv[1:]] or sorted((ROOT / 'nbs').glob('*.ipynb'))
    for p in paths: print(f'{p.name}: {update(p)} API entries', flush=True)
