"""Shared helpers for ganbook's pytest suite."""
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTES = pytest.StashKey[list]()        # lines a test wants shown at the end of the run

def pytest_terminal_summary(terminalreporter, config):
    for line in config.stash.get(NOTES, []): terminalreporter.write_line(line)

def run(cmd, cwd=ROOT, timeout=1800, env=None):
    "Run a command, returning CompletedProcess with text output; never raises on failure."
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})

@pytest.fixture
def root(): return ROOT

@pytest.fixture(scope='session')
def site(tmp_path_factory):
    """A processed copy of the project: nbdev's `nbdev_proc_nbs` has run in it (see
    tools/preview.py); `site / '_proc'` is what Quarto would render. Shared by test_docs.py and
    test_browser.py, so the notebooks are processed once per run."""
    sys.path.insert(0, str(ROOT / 'tools'))
    import preview
    project = preview.copy_project(tmp_path_factory.mktemp('docs') / 'project')
    r = preview.proc_nbs(project)
    assert r.returncode == 0, f"nbdev_proc_nbs failed:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}"
    return project

@pytest.fixture(scope='session')
def katex():
    """KaTeX's dist/ folder for the preview, from `$GANBOOK_KATEX` or the cache that
    `python tools/preview.py --fetch-katex` fills (.ci/run does, at install time); tests never
    fetch. Missing: skipped, saying so; under CI (CI=true) a failure."""
    sys.path.insert(0, str(ROOT / 'tools'))
    import preview
    dist = preview.katex_dist(fetch=False)
    if dist is None:
        msg = 'KaTeX is not cached: run `python tools/preview.py --fetch-katex` once (needs npm)'
        if os.environ.get('CI', '').lower() == 'true': pytest.fail(msg + '; under CI it must run')
        pytest.skip(msg)
    return dist
