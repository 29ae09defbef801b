"""The pip package: `python -m build` makes a wheel and an sdist; the wheel works once installed.

The builds run in a temporary copy of the project (so build/ and *.egg-info never appear in the
working tree) with `--no-isolation`: the build backend (setuptools) is already installed and there
is no network for an isolated build environment.

The installed-wheel checks use a fresh virtual environment (without `--system-site-packages`) into
which the wheel is installed with `--no-deps --no-index`. It gets torch, torchvision, torch-fidelity
and the rest from the interpreter running pytest, whether that is the system Python or a venv:
a `.pth` file in the new venv's site-packages lists the running interpreter's site-packages
directories as plain lines. Plain lines only add those directories to sys.path, after the venv's
own site-packages, and do not process the `.pth` files inside them, so the caller's editable install
of ganbook (a `.pth` import hook) stays inactive and the wheel's copy is the one imported, which
test_imported_ganbook_is_the_wheel checks. The commands run from a directory outside the repository
with PYTHONPATH unset, so the source tree is not importable either.
"""
import json, os, shutil, site, subprocess, sys, sysconfig, tarfile, zipfile
from pathlib import Path
import pytest
from conftest import ROOT, run

_W = ROOT / 'ganbook' / 'weights'
WEIGHTS = sorted(str(p.relative_to(_W)) for p in _W.rglob('*')   # chapter records too
                 if p.is_file() and '__pycache__' not in p.parts)
MAX_WHEEL_BYTES = 25 * 1024 * 1024
NOT_COPIED = ('.git', '__pycache__', 'runs', 'build', 'dist', '*.egg-info', '_proc', '_preview',
              '_docs', '_site', '.pytest_cache', '.venv', '.venv-ci')
NO_NETWORK = 'http://127.0.0.1:9'   # a proxy that refuses: any download attempt fails fast

@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    "Build the wheel and the sdist from a copy of the project; returns the folder holding both."
    tmp = tmp_path_factory.mktemp('build')
    src, out = tmp / 'src', tmp / 'dist'
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*NOT_COPIED))
    for kind in ('--wheel', '--sdist'):
        r = run([sys.executable, '-m', 'build', kind, '--no-isolation', '--outdir', str(out)],
                cwd=src, timeout=600)
        assert r.returncode == 0, \
            f"python -m build {kind} failed:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return out

@pytest.fixture(scope='module')
def wheel(dist):
    (w,) = dist.glob('ganbook-*.whl'); return w

def caller_site_dirs() -> list[str]:
    "Site-packages of the interpreter running pytest (a venv's include the base's if it uses them)."
    paths = sysconfig.get_paths()
    dirs = [*site.getsitepackages(), paths['purelib'], paths['platlib']]
    if site.ENABLE_USER_SITE: dirs.append(site.getusersitepackages())
    return [d for d in dict.fromkeys(os.path.realpath(d) for d in dirs) if os.path.isdir(d)]

@pytest.fixture(scope='module')
def venv(wheel, tmp_path_factory):
    "A fresh venv with the wheel and the caller's packages; returns what commands in it need."
    tmp = tmp_path_factory.mktemp('venv')
    root = tmp / 'venv'
    r = run([sys.executable, '-m', 'venv', str(root)], cwd=tmp)
    assert r.returncode == 0, r.stderr
    py = root / 'bin' / 'python'
    r = run([str(py), '-m', 'pip', 'install', '--no-deps', '--no-index', str(wheel)],
            cwd=tmp, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    # written after the install, so pip saw an empty venv (and no caller's ganbook to uninstall);
    # plain directory lines: the .pth files in those directories (the editable ganbook's) never run
    r = run([str(py), '-c', "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp)
    purelib = Path(r.stdout.strip())
    assert purelib.is_dir() and purelib.resolve().is_relative_to(root.resolve()), r
    (purelib / '_caller_site_packages.pth').write_text('\n'.join(caller_site_dirs()) + '\n')
    outside = tmp / 'elsewhere'; outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(PATH=f"{root / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(root),
               GANBOOK_CACHE=str(tmp / 'cache'), TORCH_HOME=str(tmp / 'torch'),
               http_proxy=NO_NETWORK, https_proxy=NO_NETWORK, HTTP_PROXY=NO_NETWORK,
               HTTPS_PROXY=NO_NETWORK, no_proxy='', NO_PROXY='')
    return dict(env=env, cwd=outside, py=str(py), root=root)

def _run(venv, cmd, env=None, timeout=600):
    return subprocess.run(cmd, cwd=venv['cwd'], env={**venv['env'], **(env or {})},
                          capture_output=True, text=True, timeout=timeout)

def test_build_makes_wheel_and_sdist(dist):
    (sdist,) = dist.glob('ganbook-*.tar.gz')
    names = [n.split('/', 1)[1] for n in tarfile.open(sdist).getnames() if '/' in n]
    expected = ['settings.ini', 'setup.py', 'README.md', 'LICENSE', 'CHANGELOG.md']
    for f in expected + [f'ganbook/weights/{w}' for w in WEIGHTS]:
        assert f in names, f"sdist lacks {f}"
    unwanted = [n for n in names if n.startswith(('data/', 'nbs/')) or n.endswith('.ipynb')]
    assert not unwanted, f'sdist carries data/ or notebooks: {unwanted[:10]}'

def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert 'mnist-classifier.safetensors' in WEIGHTS and 'dcgan-mnist.safetensors' in WEIGHTS
    missing = [w for w in WEIGHTS if f'ganbook/weights/{w}' not in names]
    assert not missing, f"wheel lacks the shipped weight files {missing}"
    extra = [n for n in names if n.startswith(('data/', 'nbs/', 'ganbook/data/'))
             or n.endswith('.ipynb') or '/MNIST/' in n]
    assert not extra, f"wheel carries data or notebooks: {extra[:10]}"
    assert wheel.stat().st_size < MAX_WHEEL_BYTES, f"wheel is {wheel.stat().st_size / 2**20:.1f} MB"
    (ep,) = [n for n in names if n.endswith('.dist-info/entry_points.txt')]
    assert 'ganbook = ganbook.cli:main' in zipfile.ZipFile(wheel).read(ep).decode()

def test_imported_ganbook_is_the_wheel(venv):
    code = 'import ganbook, torch; print(ganbook.__file__, ganbook.__version__, torch.__file__)'
    r = _run(venv, [venv['py'], '-c', code])
    assert r.returncode == 0, r.stderr
    path, version, torch_path = r.stdout.split()
    assert Path(path).resolve().is_relative_to(venv['root'].resolve()), \
        f"imported {path}, not the venv's copy"
    import ganbook
    assert version == ganbook.__version__
    # torch comes from the caller's site-packages, through the .pth file
    assert any(Path(torch_path).resolve().is_relative_to(d) for d in caller_site_dirs()), torch_path

def test_cli_help(venv):
    r = _run(venv, ['ganbook', '--help'])
    assert r.returncode == 0, r.stderr
    for cmd in ('train', 'sample', 'export', 'eval'): assert cmd in r.stdout, r.stdout

def test_import_does_not_pull_notebook_stack(venv):
    code = ("import sys, ganbook, ganbook.train, ganbook.dcgan, ganbook.pretrained, "
            "ganbook.metrics, ganbook.cli\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'jupyter', 'jupyter_core', "
            "'jupyter_client', 'ipywidgets', 'matplotlib', 'IPython', 'ipykernel'}))")
    r = _run(venv, [venv['py'], '-c', code])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == '[]', f"import ganbook pulls in {r.stdout.strip()}"

def test_pretrained_load_samples(venv):
    code = ("from ganbook.pretrained import load\n"
            "G = load('dcgan-mnist')\nx = G.sample(8, seed=0)\n"
            "assert tuple(x.shape) == (8, 1, 28, 28) and x.min() >= -1 and x.max() <= 1 "
            "and x.std() > 0.1, (x.shape, x.std())\n"
            "print('ok')")
    r = _run(venv, [venv['py'], '-c', code])
    assert r.returncode == 0 and r.stdout.strip() == 'ok', r.stdout + r.stderr

def test_eval_runs_offline(venv):
    # An installed wheel has no repository data/ folder, and `ganbook eval` compares against the
    # MNIST test digits, so GANBOOK_DATA points at the repository's data/ (there is no network
    # here to download MNIST into the user cache; the proxies set in `venv` make any download
    # fail).
    r = _run(venv, ['ganbook', 'eval', 'dcgan-mnist', '--n', '2000', '--json'],
             env={'GANBOOK_DATA': str(ROOT / 'data')})
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    lines = [l for l in r.stdout.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one JSON object on stdout, got {r.stdout!r}"
    res = json.loads(lines[0])
    assert isinstance(res, dict) and res['n'] == 2000, res
    assert 0 < res['floor_fid'] < res['fid'], res          # real vs real is the floor
    assert abs(res['fid_x_floor'] - res['fid'] / res['floor_fid']) < 1e-9, res
    assert all(k in res for k in ('fid', 'kid_mean', 'precision', 'recall')), res
