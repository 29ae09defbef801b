"""Every notebook runs top to bottom under nbdev_test (cells flagged `slow` are skipped)."""
import pytest
from conftest import ROOT, run

NOTEBOOKS = sorted(p.name for p in (ROOT / 'nbs').glob('*.ipynb'))

def test_there_are_notebooks():
    assert 'index.ipynb' in NOTEBOOKS and '00_data.ipynb' in NOTEBOOKS and len(NOTEBOOKS) >= 5

@pytest.mark.parametrize('nb', NOTEBOOKS)
def test_notebook(nb):
    r = run(['nbdev_test', '--path', f'nbs/{nb}', '--do_print'])
    assert r.returncode == 0, f"nbdev_test failed for {nb}:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}"
