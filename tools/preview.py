#!/usr/bin/env python3
"""Offline preview of the docs site, without Quarto: one HTML page per chapter plus an index.

It processes the notebooks exactly as `nbdev_proc_nbs` does (in a temporary copy of the project,
so the working tree is left as it is), then renders each processed page with nbconvert into one
folder (default `_preview/`, git-ignored) whose `index.html` links every chapter in the order of
the sidebar in `_quarto.yml`. Figures are embedded in the pages (base64), so the folder can be
moved or opened from anywhere. Maths is kept as LaTeX and the pages load MathJax from a CDN:
online it is typeset, offline it shows as its LaTeX source. The real site is built by
`nbdev_docs` / `nbdev_preview`, which need Quarto (see README).

Usage: python tools/preview.py [--out DIR]      then open DIR/index.html
"""
from __future__ import annotations
import argparse, html, re, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs inside the copy of the project. nbdev 2.4.14's `nbdev_proc_nbs` starts with
# `_ensure_quarto()`, which, when `quarto` is not on PATH, runs nbdev's `install()`: `sudo`,
# a curl download of the Quarto .deb and `pip install -e ".[dev]"`. Processing notebooks does
# not need Quarto, so that one step is replaced by a no-op; the rest is `nbdev_proc_nbs` itself
# (refresh nbdev.yml, rebuild _modidx, sidebar, `proc_nbs`), run serially (n_workers=0).
PROC_NBS = """
import nbdev.quarto as q
q._ensure_quarto = lambda: None
q.nbdev_proc_nbs.__wrapped__(n_workers=0)
"""

def copy_project(dst: Path) -> Path:
    "Copy what nbdev needs to process the docs (config, notebooks, library code) into `dst`."
    dst.mkdir(parents=True, exist_ok=True)
    for name in ('settings.ini', 'setup.py', 'pyproject.toml', 'README.md', '_quarto.yml'):
        if (ROOT / name).exists(): shutil.copy2(ROOT / name, dst / name)
    shutil.copytree(ROOT / 'nbs', dst / 'nbs', symlinks=True,
                    ignore=shutil.ignore_patterns('.ipynb_checkpoints', 'nbdev.yml', 'sidebar.yml'))
    shutil.copytree(ROOT / 'ganbook', dst / 'ganbook',
                    ignore=shutil.ignore_patterns('__pycache__', 'weights'))
    return dst

def proc_nbs(project: Path) -> subprocess.CompletedProcess:
    "Run nbdev's notebook processing in `project`; the processed pages land in `project/_proc`."
    return subprocess.run([sys.executable, '-c', PROC_NBS], cwd=project, capture_output=True,
                          text=True, timeout=900)

def sidebar_entries(quarto_yml: Path) -> list[str]:
    "File names in the sidebar of `quarto_yml`, in order (strings, `href:` items, nested sections)."
    import yaml
    cfg = yaml.safe_load(quarto_yml.read_text())
    out = []
    def walk(items):
        for it in items or []:
            if isinstance(it, str): out.append(it)
            elif isinstance(it, dict):
                if 'href' in it: out.append(it['href'])
                if 'file' in it: out.append(it['file'])
                walk(it.get('contents'))
    sb = cfg['website']['sidebar']
    for s in (sb if isinstance(sb, list) else [sb]): walk(s.get('contents'))
    return out

_QUARTO_OPT = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')

def _page(nb):
    """Adapt a processed notebook for nbconvert: frontmatter to a heading, Quarto cell options
    applied and removed."""
    import nbformat, yaml
    title, cells = None, []
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.startswith('---'):
            fm = yaml.safe_load(c.source.strip().strip('-')) or {}
            title = fm.get('title')
            head = f"# {title}" if title else ''
            if fm.get('description'): head += f"\n\n> {fm['description']}"
            if head: cells.append(nbformat.v4.new_markdown_cell(head))
            continue
        if c.cell_type == 'code':
            lines = c.source.splitlines(); opts = {}
            while lines and _QUARTO_OPT.match(lines[0]):
                k, v = _QUARTO_OPT.match(lines.pop(0)).groups(); opts[k] = v.lower()
            if opts.get('include') == 'false': continue
            c.source = '\n'.join(lines)
            if opts.get('output') == 'false': c.outputs = []
            if opts.get('echo') == 'false': c.metadata.setdefault('tags', []).append('remove_input')
        cells.append(c)
    nb.cells = cells
    return nb, title

def render(proc_dir: Path, out: Path, entries: list[str]) -> list[Path]:
    "Write `out/<chapter>.html` for each sidebar entry found in `proc_dir`, and `out/index.html`."
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    cfg = Config(); cfg.TagRemovePreprocessor.enabled = True
    cfg.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    exporter = HTMLExporter(config=cfg, template_name='lab')
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    import configparser
    ini = configparser.ConfigParser(); ini.read(proc_dir.parent / 'settings.ini')
    site = ini['DEFAULT'].get('doc_host', '') + ini['DEFAULT'].get('doc_baseurl', '')
    pages, items = [], []
    names = [e for e in entries if e.endswith('.ipynb')]
    for name in names:
        nb, title = _page(nbformat.read(proc_dir / name, as_version=4))
        body, _ = exporter.from_notebook_node(nb, resources={'metadata': {'name': title or name}})
        # links between chapters point at the notebooks; in the preview they point at the pages
        body = re.sub(r'href="([\w.-]+)\.ipynb(#[^"]*)?"',
                      lambda m: f'href="{m[1]}.html{m[2] or ""}"', body)
        # nbdev turns `name` into a link to the name's page on the published site (chapter
        # number dropped)
        for other in names:
            stem = Path(other).stem
            published = re.sub(r"^[0-9]+_", "", stem)
            body = body.replace(f'href="{site}/{published}.html', f'href="{stem}.html')
        page = out / (Path(name).stem + '.html')
        page.write_text(body, encoding='utf-8'); pages.append(page)
        items.append(f'<li><a href="{page.name}">{html.escape(title or name)}</a></li>')
    (out / 'index.html').write_text(
        '<!doctype html><html><head><meta charset="utf-8"><title>ganbook (offline preview)</title>'
        '</head><body>\n'
        '<h1>ganbook: offline preview</h1>\n'
        '<p>Rendered with nbconvert by <code>tools/preview.py</code>; '
        'maths shows as LaTeX source when MathJax cannot be loaded (offline). '
        'The real site is built with Quarto '
        '(<code>nbdev_preview</code>, <code>nbdev_docs</code>).</p>\n'
        '<ol>\n' + '\n'.join(items) + '\n</ol>\n</body></html>\n',
        encoding='utf-8')
    return pages

def build(out: Path) -> list[Path]:
    "Process the notebooks in a temporary copy of the project and render the preview into `out`."
    with tempfile.TemporaryDirectory(prefix='ganbook-preview-') as d:
        project = copy_project(Path(d) / 'project')
        r = proc_nbs(project)
        if r.returncode != 0:
            sys.exit(f"nbdev_proc_nbs failed:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}")
        return render(project / '_proc', out, sidebar_entries(project / '_quarto.yml'))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(ROOT / '_preview'),
                    help='folder to write (replaced); default _preview/')
    a = ap.parse_args()
    pages = build(Path(a.out))
    print(f"{len(pages)} pages in {a.out}; open {Path(a.out) / 'index.html'}")
