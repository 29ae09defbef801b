"""The chapters as a learner meets them: numbering, the RETRAIN/SHIP switch, the lesson's shape,
and stored outputs that show no build machine, no project history and no backend switch."""
import json, re
import pytest
from conftest import ROOT

NBS = ROOT / 'nbs'

def cells(name):
    "The cells of notebook `name` as (type, source, outputs text)."
    nb = json.loads((NBS / name).read_text())
    out = []
    for c in nb['cells']:
        text = ''
        for o in c.get('outputs', []):
            text += ''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', ''))
            text += ' '.join(o.get('traceback', []))
        out.append((c['cell_type'], ''.join(c['source']), text))
    return out

def index_table() -> dict:
    "Chapter number ('0', '1', ... or '–') of every notebook in the index's chapter table."
    md = ''.join(s for t, s, _ in cells('index.ipynb') if t == 'markdown')
    rows = re.findall(r'^\| (\d+|–) \| \[[^]]+\]\((\w+\.ipynb)\)', md, re.M)
    return {nb: num for num, nb in rows}

TABLE = index_table()
CHAPTERS = sorted(nb for nb, num in TABLE.items() if num not in ('–', '0'))
ALL = sorted(p.name for p in NBS.glob('*.ipynb'))

def test_index_table_lists_every_notebook():
    assert sorted(TABLE) == [n for n in ALL if n != 'index.ipynb']
    assert len(CHAPTERS) == 7

@pytest.mark.parametrize('nb', sorted(TABLE))
def test_title_carries_the_chapter_number_of_the_index(nb):
    title = cells(nb)[0][1].splitlines()[0]
    num = TABLE[nb]
    if num == '–': assert not title.startswith('# Chapter'), title
    else: assert title.startswith(f'# Chapter {num}: '), title

@pytest.mark.parametrize('nb', CHAPTERS)
def test_chapter_starts_with_the_retrain_switch(nb):
    cs = cells(nb)
    early = [s for t, s, _ in cs[:12] if t == 'code']
    switch = [s for s in early if re.search(r'^RETRAIN = False\b', s, re.M)]
    assert len(switch) == 1 and re.search(r'^SHIP = False\b', switch[0], re.M), nb
    code = '\n'.join(s for t, s, _ in cs if t == 'code')
    assert len(re.findall(r'^\s*(RETRAIN|SHIP) = ', code, re.M)) == 2, 'one switch per chapter'
    md = ' '.join(s for t, s, _ in cs[:12] if t == 'markdown')
    assert 'Run All' in md and 'RETRAIN = True' in md, 'the switch is explained near the top'

@pytest.mark.parametrize('nb', CHAPTERS)
def test_chapter_ends_with_summary_and_exercises(nb):
    heads = [line for t, s, _ in cells(nb) if t == 'markdown' for line in s.splitlines()
             if line.startswith('## ')]
    assert any('Summary' in h for h in heads) and any('Exercises' in h for h in heads), heads

# any absolute path of the build machine: its work tree, home, interpreter or temporary folders
BUILD_PATHS = re.compile(r'(/work/|/root/|/home/\w|/usr/(lib|local)|site-packages|/tmp/|'
                         r'/var/folders/)')
HISTORY = re.compile(r'(previous weights|earlier version|first versions? of this|stopped to free|'
                     r'was available when|GPU was free|this session)', re.I)

def test_build_path_pattern_catches_worktrees_and_temp_folders():
    for path in ['/tmp/wt17/nbs/03_dcgan.ipynb', '/tmp/tmpab12/x.png', '/work/main/ganbook',
                 '/root/.cache/ganbook', '/usr/local/lib/python3.11/site-packages/torch']:
        assert BUILD_PATHS.search(f"File '{path}', line 3"), path
    for text in ['ganbook/weights/dcgan-mnist.safetensors', 'runs/dcgan', 'FID 0.46 / 2']:
        assert not BUILD_PATHS.search(text), text

@pytest.mark.parametrize('nb', ALL)
def test_stored_outputs_show_no_build_machine_paths(nb):
    bad = [m.group(0) for _, _, out in cells(nb) for m in [BUILD_PATHS.search(out)] if m]
    assert not bad, f'{nb}: {bad[:3]}'

@pytest.mark.parametrize('nb', ALL)
def test_no_backend_switch_and_no_history_in_prose(nb):
    for t, s, _ in cells(nb):
        if t == 'code': assert not re.search(r'\b(matplotlib|mpl)\.use\(', s), nb
        if t == 'markdown': assert not HISTORY.search(s), f'{nb}: {HISTORY.search(s).group(0)}'

@pytest.mark.parametrize('nb', ALL)
def test_folded_cells_are_collapsed_in_jupyterlab(nb):
    "A cell the site folds (`#| code-fold: true`) is collapsed in JupyterLab too, and only those."
    cs = json.loads((NBS / nb).read_text())['cells']
    for c in cs:
        src = ''.join(c['source']).split('\n')[:3]
        folded = c['cell_type'] == 'code' and '#| code-fold: true' in src
        hidden = c.get('metadata', {}).get('jupyter', {}).get('source_hidden', False)
        assert folded == hidden, f"{nb}: {src[:2]} (run tools/fold_cells.py)"
