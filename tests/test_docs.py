"""The docs site, checked up to the Quarto call (Quarto cannot be installed here).

The notebooks are processed once, by nbdev's own `nbdev_proc_nbs` (minus its Quarto installer,
see tools/preview.py), in a temporary copy of the project, so these tests leave the working tree
as it is. Chapters are whatever notebooks are in nbs/; course order is the sidebar's order.
"""
import importlib, inspect, json, pkgutil, re, sys
from pathlib import Path
import pytest, yaml
from conftest import ROOT

sys.path.insert(0, str(ROOT / 'tools'))
import preview

CHAPTERS = sorted(p.name for p in (ROOT / 'nbs').glob('*.ipynb'))

# Chapters that index.ipynb already links to but that are being written on other branches.
# A link to one of these may dangle until it arrives; once it is in nbs/, remove it from here
# (test_pending_chapters_are_still_pending says so) and add it to the sidebar in _quarto.yml.
PENDING_CHAPTERS: set = set()

# Cell options that Quarto reads (and removes) from the top of a code cell. Any other `#|` line
# would be an nbdev directive (export, hide, slow, ...) leaking into the rendered page.
QUARTO_CELL_OPTIONS = {'echo', 'output', 'eval', 'include', 'warning', 'error', 'code-fold',
                       'code-summary', 'label', 'fig-cap', 'fig-alt', 'tbl-cap', 'layout-ncol',
                       'layout-nrow', 'column'}

IMAGE_MIMES = ('image/png', 'image/jpeg', 'image/gif', 'image/svg+xml')

@pytest.fixture(scope='module')
def quarto():
    return yaml.safe_load((ROOT / '_quarto.yml').read_text())

def _num(name):
    m = re.match(r'(\d+)_', name)
    return (0, '') if name == 'index.ipynb' else (1, int(m[1]) if m else 10**9, name)

def _images(cell):
    "The image payloads (base64 or SVG text) among a cell's outputs."
    out = []
    for o in cell.get('outputs', []):
        for mime in IMAGE_MIMES:
            if mime in o.get('data', {}):
                v = o['data'][mime]; out.append(''.join(v) if isinstance(v, list) else v)
    return out

def _nb(path): return json.loads(Path(path).read_text())
def _src(cell):
    return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def test_nbdev_proc_nbs_succeeds(site):
    processed = sorted(p.name for p in (site / '_proc').glob('*.ipynb'))
    assert processed == CHAPTERS, \
        f"processed {processed}, expected every notebook in nbs/: {CHAPTERS}"
    assert (site / '_proc' / '_quarto.yml').is_file() and (site / '_proc' / 'nbdev.yml').is_file()

def test_quarto_yml_configures_the_site(quarto):
    web, html = quarto['website'], quarto['format']['html']
    assert quarto['project']['type'] == 'website'
    assert web.get('title'), 'website.title'
    assert web['navbar'].get('search') is True, 'navbar with search: true'
    assert web['sidebar'].get('contents'), 'a sidebar with contents'
    assert html.get('theme'), 'format.html.theme'
    assert html.get('code-copy') is True or html.get('code-fold') not in (None, False), \
        'code-copy or code-fold'
    assert html.get('html-math-method') in ('katex', 'mathjax'), \
        'LaTeX rendering: html-math-method katex or mathjax'
    assert str(web.get('repo-url', '')).startswith('https://github.com/'), 'website.repo-url'
    items = web['navbar'].get('right', []) + web['navbar'].get('left', [])
    assert any('github.com' in str(i.get('href', '')) for i in items), \
        'a repository link in the navbar'
    assert web.get('page-navigation') is True, 'previous/next links: website.page-navigation: true'
    # Quarto renders _proc/ (a copy of nbs/), so "view source" needs the notebooks' folder
    import configparser
    ini = configparser.ConfigParser(); ini.read(ROOT / 'settings.ini')
    if 'source' in web.get('repo-actions', []) or 'edit' in web.get('repo-actions', []):
        assert web.get('repo-subdir') == ini['DEFAULT']['nbs_path'], \
            "source/edit links go to <repo>/blob/<branch>/<repo-subdir>/<page>: set repo-subdir"

def test_sidebar_lists_every_chapter_and_only_existing_files():
    entries = preview.sidebar_entries(ROOT / '_quarto.yml')
    missing_from_sidebar = [c for c in CHAPTERS if c not in entries]
    missing_files = [e for e in entries if not (ROOT / 'nbs' / e).exists()]
    assert not missing_from_sidebar and not missing_files, \
        (f"notebooks not in the sidebar of _quarto.yml: {missing_from_sidebar}; "
         f"sidebar entries with no file in nbs/: {missing_files}")
    assert len(entries) == len(set(entries)), f"sidebar lists a page twice: {entries}"

def test_sidebar_is_in_course_order():
    nbs = [e for e in preview.sidebar_entries(ROOT / '_quarto.yml') if e.endswith('.ipynb')]
    order = sorted(nbs, key=_num)
    assert nbs == order, \
        f"sidebar order {nbs}; course order is index, then by chapter number: {order}"

def test_quarto_yml_names_only_existing_files(site, quarto):
    "Every file name in the site configuration exists where Quarto reads it (the processed folder)."
    names = []
    file_name = r'[\w./-]+\.(ipynb|qmd|md|css|scss|ya?ml|png|svg|jpe?g|ico|html|js)'
    def walk(v):
        if isinstance(v, dict): [walk(x) for x in v.values()]
        elif isinstance(v, list): [walk(x) for x in v]
        elif isinstance(v, str) and re.fullmatch(file_name, v): names.append(v)
    walk(quarto)
    assert 'styles.css' in names and 'nbdev.yml' in names and 'index.ipynb' in names, names
    missing = [n for n in names if not (site / '_proc' / n).exists()]
    assert not missing, f"_quarto.yml names files that do not exist: {missing}"

@pytest.mark.parametrize('nb', CHAPTERS)
def test_processed_notebook_keeps_its_figures(site, nb):
    shown = []
    for c in _nb(ROOT / 'nbs' / nb)['cells']:
        d = ' '.join(l for l in _src(c).splitlines() if l.lstrip().startswith('#|'))
        if not re.search(r'#\|\s*(hide|include:\s*false|output:\s*false)', d): shown += _images(c)
    kept = {i for c in _nb(site / '_proc' / nb)['cells'] for i in _images(c)}
    lost = [i[:40] for i in shown if i not in kept]
    assert not lost, f"{nb}: {len(lost)} of {len(shown)} figures lost in processing"

@pytest.mark.parametrize('nb', CHAPTERS)
def test_no_nbdev_directives_in_rendered_text(site, nb):
    bad = []
    for i, c in enumerate(_nb(site / '_proc' / nb)['cells']):
        lines = _src(c).splitlines()
        if c['cell_type'] == 'code':                       # Quarto options may open a code cell
            while (lines and (m := re.match(r'\s*#\|\s*([\w-]+)\s*:', lines[0]))
                   and m[1] in QUARTO_CELL_OPTIONS):
                lines.pop(0)
        texts = lines + [l for o in c.get('outputs', [])
                         for l in ''.join(o.get('text', '')).splitlines()]
        bad += [f"cell {i}: {l.strip()}" for l in texts if l.lstrip().startswith('#|')]
    assert not bad, f"{nb} carries nbdev directives into the page: {bad[:10]}"

def _links(nb_path):
    "Relative link targets in a notebook's markdown (markdown links and HTML href/src)."
    out = []
    for c in _nb(nb_path)['cells']:
        if c['cell_type'] != 'markdown': continue
        s = _src(c)
        out += re.findall(r'\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)', s)  # [text](target "title")
        out += re.findall(r'(?:href|src)="([^"]+)"', s)
    return [l for l in out if not re.match(r'[a-z][\w+.-]*:|#|/', l)]

def test_internal_links_resolve(site):
    broken = []
    for nb in CHAPTERS:
        for link in _links(site / '_proc' / nb):
            target = link.split('#')[0]
            if not (site / '_proc' / target).exists() and target not in PENDING_CHAPTERS:
                broken.append(f"{nb} -> {link}")
    assert not broken, f"links to files that do not exist: {broken}"

def test_pending_chapters_are_still_pending():
    arrived = sorted(PENDING_CHAPTERS & set(CHAPTERS))
    assert not arrived, (f"{arrived} now exist: remove them from PENDING_CHAPTERS in "
                         "tests/test_docs.py and add them to the sidebar")

def test_offline_preview(site, katex, tmp_path):
    "tools/preview.py: the course home as index.html, then every chapter, as a small static site."
    entries = preview.sidebar_entries(site / '_quarto.yml')
    out = tmp_path / '_preview'
    pages = preview.render(site / '_proc', out, entries, katex)
    meta = json.loads((out / 'pages.json').read_text())
    nbs = [e for e in entries if e.endswith('.ipynb')]
    assert [m['source'] for m in meta] == nbs, f"pages {meta}, sidebar order is {nbs}"
    assert [p.name for p in pages] == [m['file'] for m in meta]
    assert meta[0] == {**meta[0], 'source': 'index.ipynb', 'file': 'index.html'}, meta[0]
    files = [m['file'] for m in meta]
    # the course home, not a list of links: every heading of index.ipynb is on index.html
    index = (out / 'index.html').read_text()
    seen = {}
    for c in _nb(site / '_proc' / 'index.ipynb')['cells']:
        if c['cell_type'] != 'markdown': continue
        for h in re.findall(r'^#{2,4} +(.+?) *$', _src(c), re.M):
            assert f'id="{preview.pandoc_id(h, seen)}"' in index, f"index.html lacks {h!r}"
    for e, page in zip(nbs, pages):
        text = page.read_text()
        side = re.search(r'<nav id="quarto-sidebar".*?</nav>', text, re.S)[0]
        assert re.findall(r'href="([^"]+)"', side) == files, f"{page.name}: sidebar {side}"
        images = [i for c in _nb(site / '_proc' / e)['cells'] for i in _images(c)]
        flat = text.replace('\n', '')
        missing = [i[:40] for i in images if i.replace('\n', '')[:200] not in flat]
        assert not missing, f"{page.name} lacks {len(missing)} of {len(images)} figures"
        assert '<style' not in text and 'assets/site.css' in text, f"{page.name}: inlined CSS"
        assert 'assets/katex/katex.min.js' in text, f"{page.name}: no KaTeX"
        assert not re.search(r'<script[^>]+src="(https?:)?//', text), f"{page.name}: a CDN script"
        assert '{target=' not in text, f"{page.name}: literal pandoc attributes"
        for a in re.findall(r'<a [^>]*>source</a>', text):       # nbdev's API entries
            assert 'target="_blank" style="float:right' in a, f"{page.name}: {a}"
        assert not re.search(r'(In|Out)(&nbsp;|\s)*\[\s*\d*\s*\]:', text), f"{page.name}: prompts"
        for link in re.findall(r'href="([\w.-]+\.html)(?:#[^"]*)?"', text):
            pending = link.replace('.html', '.ipynb') in PENDING_CHAPTERS
            assert (out / link).exists() or pending, \
                f"{page.name} links to {link}, which is not in the preview"
    assert (out / 'assets' / 'katex' / 'katex.min.css').is_file()

def test_exported_api_has_docstrings():
    """Every public function and class in a module's `__all__` (nbdev fills it from `#| export`)
    has a docstring."""
    import ganbook
    bad = []
    for m in pkgutil.iter_modules(ganbook.__path__):
        if m.name.startswith('_') or m.name == '__main__': continue
        mod = importlib.import_module(f'ganbook.{m.name}')
        for name in getattr(mod, '__all__', []):
            obj = getattr(mod, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)): continue
            # obj.__doc__, not inspect.getdoc: a class must not borrow its base's docstring
            doc = (obj.__doc__ or '').strip()
            # the signature that dataclass and NamedTuple put in as a default is no docstring
            default = re.escape(obj.__name__) + r'\(.*\)'
            if inspect.isclass(obj) and re.fullmatch(default, doc, re.S): doc = ''
            if not doc: bad.append(f'ganbook.{m.name}.{name}')
    assert not bad, f"exported without a docstring: {bad}"
