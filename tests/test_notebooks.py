"""Every notebook runs top to bottom with its defaults, as JupyterLab's Run All runs it.

`nbdev_test --flags slow` runs the cells flagged `slow` too (Run All ignores the flag). With a
chapter's defaults (`RETRAIN = False`, `SHIP = False`) those cells read shipped records instead of
training, so this stays short; and no notebook may change anything in `ganbook/weights/`.
"""
import hashlib
import pytest
from conftest import ROOT, run

NOTEBOOKS = sorted(p.name for p in (ROOT / 'nbs').glob('*.ipynb'))
WEIGHTS = ROOT / 'ganbook' / 'weights'

def weights_digest() -> dict:
    "SHA-256 of every file under ganbook/weights/ (records included)."
    return {str(p.relative_to(WEIGHTS)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(WEIGHTS.rglob('*')) if p.is_file() and '__pycache__' not in p.parts}

def test_there_are_notebooks():
    assert 'index.ipynb' in NOTEBOOKS and '00_data.ipynb' in NOTEBOOKS and len(NOTEBOOKS) >= 5

@pytest.mark.parametrize('nb', NOTEBOOKS)
def test_notebook_runs_with_defaults_and_leaves_weights_alone(nb):
    before = weights_digest()
    r = run(['nbdev_test', '--path', f'nbs/{nb}', '--flags', 'slow', '--do_print'])
    assert r.returncode == 0, f"nbdev_test failed for {nb}:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}"
    after = weights_digest()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"{nb} changed ganbook/weights/: {changed}"
