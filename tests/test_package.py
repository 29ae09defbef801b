"""The pip package: `python -m build` makes a wheel and an sdist, and the wheel works once installed.

The builds run in a temporary copy of the project (so build/ and *.egg-info never appear in the
working tree) with `--no-isolation`: the build backend (setuptools) is already installed and there
is no network for an isolated build environment. The installed-wheel checks use a fresh virtual
environment created with `--system-site-packages` (it reuses the torch, torchvision and
torch-fidelity installed here) and run from a directory outside the repository with PYTHONPATH
unset, so the source tree is not importable; the editable install of ganbook in the base
site-packages is shadowed by the venv's own copy, which test_imported_ganbook_is_the_wheel checks.
"""
import json, os, shutil, subprocess, sys, tarfile, zipfile
from pathlib import Path
import pytest
from conftest import ROOT, run

WEIGHTS = sorted(p.name for p in (ROOT / 'ganbook' / 'weights').iterdir() if p.is_file())
MAX_WHEEL_BYTES = 25 * 1024 * 1024

@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    "Build the wheel and the sdist from a copy of the project; returns the folder holding both."
    tmp = tmp_path_factory.mktemp('build')
    src, out = tmp / 'src', tmp / 'dist'
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns('.git', '__pycache__', 'runs', 'build', 'dist', '*.egg-info',
                                                             '_proc', '_preview', '_docs', '_site', '.pytest_cache'))
    for kind in ('--wheel', '--sdist'):
        r = run([sys.executable, '-m', 'build', kind, '--no-isolation', '--outdir', str(out)], cwd=src, timeout=600)
        assert r.returncode == 0, f"python -m build {kind} failed:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return out

@pytest.fixture(scope='module')
def wheel(dist):
    (w,) = dist.glob('ganbook-*.whl'); return w

@pytest.fixture(scope='module')
def venv(wheel, tmp_path_factory):
    "A fresh venv (reusing the system's packages) with the wheel installed; returns (env, cwd) for commands in it."
    tmp = tmp_path_factory.mktemp('venv')
    r = run([sys.executable, '-m', 'venv', '--system-site-packages', str(tmp / 'venv')], cwd=tmp)
    assert r.returncode == 0, r.stderr
    py = tmp / 'venv' / 'bin' / 'python'
    r = run([str(py), '-m', 'pip', 'install', '--no-deps', '--no-index', str(wheel)], cwd=tmp, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    outside = tmp / 'elsewhere'; outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(PATH=f"{tmp / 'venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(tmp / 'venv'),
               GANBOOK_CACHE=str(tmp / 'cache'), TORCH_HOME=str(tmp / 'torch'),
               # no network: any download attempt fails fast instead of quietly succeeding somewhere else
               http_proxy='http://127.0.0.1:9', https_proxy='http://127.0.0.1:9',
               HTTP_PROXY='http://127.0.0.1:9', HTTPS_PROXY='http://127.0.0.1:9', no_proxy='', NO_PROXY='')
    return dict(env=env, cwd=outside, py=str(py), root=tmp / 'venv')

def _run(venv, cmd, env=None, timeout=600):
    return subprocess.run(cmd, cwd=venv['cwd'], env={**venv['env'], **(env or {})}, capture_output=True, text=True, timeout=timeout)

def test_build_makes_wheel_and_sdist(dist):
    (sdist,) = dist.glob('ganbook-*.tar.gz')
    names = [n.split('/', 1)[1] for n in tarfile.open(sdist).getnames() if '/' in n]
    for f in ['settings.ini', 'setup.py', 'README.md', 'LICENSE', 'CHANGELOG.md'] + [f'ganbook/weights/{w}' for w in WEIGHTS]:
        assert f in names, f"sdist lacks {f}"
    assert not [n for n in names if n.startswith(('data/', 'nbs/')) or n.endswith('.ipynb')], 'sdist carries data/ or notebooks'

def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert 'mnist-classifier.safetensors' in WEIGHTS and 'dcgan-mnist.safetensors' in WEIGHTS
    missing = [w for w in WEIGHTS if f'ganbook/weights/{w}' not in names]
    assert not missing, f"wheel lacks the shipped weight files {missing}"
    extra = [n for n in names if n.startswith(('data/', 'nbs/', 'ganbook/data/')) or n.endswith('.ipynb') or '/MNIST/' in n]
    assert not extra, f"wheel carries data or notebooks: {extra[:10]}"
    assert wheel.stat().st_size < MAX_WHEEL_BYTES, f"wheel is {wheel.stat().st_size / 2**20:.1f} MB"
    (ep,) = [n for n in names if n.endswith('.dist-info/entry_points.txt')]
    assert 'ganbook = ganbook.cli:main' in zipfile.ZipFile(wheel).read(ep).decode()

def test_imported_ganbook_is_the_wheel(venv):
    r = _run(venv, [venv['py'], '-c', 'import ganbook; print(ganbook.__file__, ganbook.__version__)'])
    assert r.returncode == 0, r.stderr
    path, version = r.stdout.split()
    assert Path(path).resolve().is_relative_to(venv['root'].resolve()), f"imported {path}, not the venv's copy"
    import ganbook
    assert version == ganbook.__version__

def test_cli_help(venv):
    r = _run(venv, ['ganbook', '--help'])
    assert r.returncode == 0, r.stderr
    for cmd in ('train', 'sample', 'export', 'eval'): assert cmd in r.stdout, r.stdout

def test_import_does_not_pull_notebook_stack(venv):
    code = ("import sys, ganbook, ganbook.train, ganbook.dcgan, ganbook.pretrained, ganbook.metrics, ganbook.cli\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'jupyter', 'jupyter_core', 'jupyter_client', "
            "'ipywidgets', 'matplotlib', 'IPython', 'ipykernel'}))")
    r = _run(venv, [venv['py'], '-c', code])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == '[]', f"import ganbook pulls in {r.stdout.strip()}"

def test_pretrained_load_samples(venv):
    code = ("from ganbook.pretrained import load\nG = load('dcgan-mnist')\nx = G.sample(8, seed=0)\n"
            "assert tuple(x.shape) == (8, 1, 28, 28) and x.min() >= -1 and x.max() <= 1 and x.std() > 0.1, (x.shape, x.std())\n"
            "print('ok')")
    r = _run(venv, [venv['py'], '-c', code])
    assert r.returncode == 0 and r.stdout.strip() == 'ok', r.stdout + r.stderr

def test_eval_runs_offline(venv):
    # An installed wheel has no repository data/ folder, and `ganbook eval` compares against the
    # MNIST test digits, so GANBOOK_DATA points at the repository's data/ (there is no network here
    # to download MNIST into the user cache; the proxies set in `venv` make any download fail).
    r = _run(venv, ['ganbook', 'eval', 'dcgan-mnist', '--n', '2000', '--json'], env={'GANBOOK_DATA': str(ROOT / 'data')})
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    lines = [l for l in r.stdout.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one JSON object on stdout, got {r.stdout!r}"
    res = json.loads(lines[0])
    assert isinstance(res, dict) and res['n'] == 2000 and all(k in res for k in ('fid', 'kid_mean', 'precision', 'recall')), res
