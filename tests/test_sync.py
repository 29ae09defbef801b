"""The library is exactly what the notebooks export, and the notebooks are clean."""
import shutil
from pathlib import Path
from conftest import ROOT, run

def _copy_project(dst: Path):
    for name in ('settings.ini', 'setup.py', 'pyproject.toml', 'README.md'):
        if (ROOT / name).exists(): shutil.copy(ROOT / name, dst / name)
    shutil.copytree(ROOT / 'nbs', dst / 'nbs', symlinks=True)
    shutil.copytree(ROOT / 'ganbook', dst / 'ganbook', ignore=shutil.ignore_patterns('__pycache__'))

def test_export_leaves_library_unchanged(tmp_path):
    _copy_project(tmp_path)
    r = run(['nbdev_export'], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    changed = [p.name for p in sorted((ROOT / 'ganbook').glob('*.py'))
               if p.read_text() != (tmp_path / 'ganbook' / p.name).read_text()]
    new = [p.name for p in (tmp_path / 'ganbook').glob('*.py')
           if not (ROOT / 'ganbook' / p.name).exists()]
    assert not changed and not new, \
        f"export changes {changed} and adds {new}: run nbdev_export and commit"

def test_notebooks_are_clean(tmp_path):
    _copy_project(tmp_path)
    r = run(['nbdev_clean', '--fname', str(tmp_path / 'nbs')], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    dirty = [p.name for p in sorted((ROOT / 'nbs').glob('*.ipynb'))
             if p.read_bytes() != (tmp_path / 'nbs' / p.name).read_bytes()]
    assert not dirty, f"nbdev_clean would change {dirty}: run nbdev_clean and commit"

def test_no_error_outputs_stored():
    import json
    bad = []
    for p in sorted((ROOT / 'nbs').glob('*.ipynb')):
        for c in json.loads(p.read_text())['cells']:
            bad += [f"{p.name}: {o.get('ename')}" for o in c.get('outputs', [])
                    if o.get('output_type') == 'error']
    assert not bad, bad
