"""Project layout, README in sync with the course home page, version agreement."""
import configparser, sys
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
    for cmd in ('pip install -e ".[dev]"', 'ganbook train dcgan --epochs 3 --out runs/quickstart',
                'python -m pytest tests'):
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
