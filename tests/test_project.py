"""Project layout, README in sync with the course home page, version agreement."""
import configparser, json, re, sys
from conftest import ROOT, run

def test_layout():
    for name in ('nbs', 'ganbook', 'settings.ini', 'README.md', 'data', 'tests', '_quarto.yml'):
        assert (ROOT / name).exists(), name
    assert (ROOT / 'nbs' / '_quarto.yml').resolve() == (ROOT / '_quarto.yml').resolve(), \
        'nbs/_quarto.yml must link to the root file'
    for f in ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
              't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'):
        assert (ROOT / 'data' / 'MNIST' / 'raw' / f).is_file(), f

def test_readme_matches_index():
    r = run([sys.executable, 'tools/make_readme.py', '--check'])
    assert r.returncode == 0, r.stdout + r.stderr

def test_readme_commands():
    text = (ROOT / 'README.md').read_text()
    for cmd in ('pip install -e ".[dev]"', 'python -m pytest tests',
                'ganbook train dcgan --time-limit 300 --out runs/quickstart'):
        assert cmd in text, cmd
    assert 'python -m pytest tests' in (ROOT / '.ci' / 'run').read_text(), \
        '.ci/run must call the README test command'

def test_version_agrees():
    import ganbook
    cfg = configparser.ConfigParser(); cfg.read(ROOT / 'settings.ini')
    assert ganbook.__version__ == cfg['DEFAULT']['version']

def test_data_module_loads_offline():
    from ganbook.data import load_mnist
    x, y = load_mnist(train=True, download=False); xt, yt = load_mnist(train=False, download=False)
    assert x.shape == (60000, 28, 28) and len(y) == 60000, (x.shape, len(y))
    assert xt.shape == (10000, 28, 28) and len(yt) == 10000, (xt.shape, len(yt))

def _long_lines(text: str) -> list:
    "Numbers of lines over 100 characters, except in the `__all__` list nbdev generates."
    long, in_all = [], False
    for i, line in enumerate(text.splitlines(), 1):
        in_all = line.startswith('__all__ = [') or (in_all and line.startswith(' '))
        if len(line) > 100 and not in_all: long.append(i)
    return long

def test_library_lines_and_cells_fit():
    "ganbook/ lines fit 100 columns (bar nbdev's generated __all__); exported cells 60 lines."
    modules = [p for p in sorted((ROOT / 'ganbook').glob('*.py')) if p.name != '_modidx.py']
    long = [f"{p.name}:{i}" for p in modules for i in _long_lines(p.read_text())]
    assert not long, f"lines over 100 characters: {long[:10]}"
    big = []
    for nb in sorted((ROOT / 'nbs').glob('*.ipynb')):
        for c in json.loads(nb.read_text())['cells']:
            src = ''.join(c['source'])
            if c['cell_type'] == 'code' and re.search(r'^#\|\s*export', src, re.M):
                if len(src.splitlines()) > 60: big.append(f"{nb.name}: {src.splitlines()[1][:50]}")
    assert not big, f"exported cells over 60 lines: {big}"
