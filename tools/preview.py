#!/usr/bin/env python3
"""Offline preview of the docs site, without Quarto: a small static site in `_preview/`.

It processes the notebooks exactly as `nbdev_proc_nbs` does (in a temporary copy of the project,
so the working tree is left as it is), then renders each processed page of `_proc/` the way
Quarto would lay it out, into one folder (default `_preview/`, git-ignored):

- one page per sidebar entry of `_quarto.yml`, named as Quarto names it (the `output-file` that
  nbdev puts in the front matter: `index.html`, `data.html`, ...); `index.html` is the course
  home (index.ipynb);
- on every page: the navbar with a link home, the sidebar in course order, "on this page"
  contents, previous/next links;
- maths typeset by KaTeX (the site's `html-math-method: katex`), copied into `_preview/assets/`
  from the `katex` package of the npm registry (fetched once with `npm pack` and cached in
  ~/.cache/ganbook/, or taken from `--katex DIR`, a KaTeX `dist/` folder); nothing is loaded from
  the network when the pages are viewed;
- under each chapter's title, its "download this notebook" link (ganbook.showdoc.notebook_link)
  pointed at a copy of the notebook in `notebooks/` instead of the repository;
- one shared stylesheet (`assets/site.css`, from tools/preview_assets/, plus the project's own
  `styles.css`); figures are embedded in the pages (base64), so the folder can be moved;
- Quarto's cell options applied (`echo`, `output`, `include`, `output: asis`, `code-fold`),
  pandoc's link attributes (`[source](url){target="_blank"}`) and pandoc's heading identifiers
  (lowercase: `### BatchIterator` is `#batchiterator`), so nbdev's API links land on the entry.

Markdown is rendered with mistune and code with Pygments (both come with nbconvert), not pandoc,
so details may differ from the real site, which `nbdev_docs` / `nbdev_preview` build with Quarto
(see README).

Usage: python tools/preview.py [--out DIR] [--katex DIR]      then open DIR/index.html
"""
from __future__ import annotations
import argparse, configparser, html, json, os, re, shutil, subprocess, sys, tarfile, tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = Path(__file__).resolve().parent / 'preview_assets'
KATEX_VERSION = '0.16.47'          # npm package `katex`, pinned

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

# ---------------------------------------------------------------------------------------------
# KaTeX

def _cache_dir() -> Path:
    return Path(os.environ.get('XDG_CACHE_HOME') or Path.home() / '.cache') / 'ganbook'

def katex_dist(version: str = KATEX_VERSION, fetch: bool = True) -> Path | None:
    """KaTeX's `dist/` folder: `$GANBOOK_KATEX` if set, else the cached copy of npm's `katex`
    package, fetched with `npm pack` (integrity-checked by npm) the first time unless not `fetch`
    (the tests never fetch; `.ci/run` fetches at install time). None if npm is missing or cannot
    reach its registry."""
    if os.environ.get('GANBOOK_KATEX'): return Path(os.environ['GANBOOK_KATEX'])
    dist = _cache_dir() / f'katex-{version}' / 'dist'
    if (dist / 'katex.min.js').is_file(): return dist
    if not fetch: return None
    npm = shutil.which('npm')
    if not npm: return None
    with tempfile.TemporaryDirectory(prefix='ganbook-katex-') as d:
        r = subprocess.run([npm, 'pack', f'katex@{version}', '--silent', '--pack-destination', d],
                           capture_output=True, text=True, timeout=300)
        tgz = next(Path(d).glob('katex-*.tgz'), None)
        if r.returncode != 0 or tgz is None:
            print(f"npm pack katex@{version} failed: {r.stderr[-500:]}", file=sys.stderr)
            return None
        tmp = Path(d) / 'x'
        with tarfile.open(tgz) as t:
            members = [m for m in t.getmembers() if m.isfile() and
                       (m.name.startswith('package/dist/') or m.name == 'package/LICENSE')]
            safe = {'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}
            t.extractall(tmp, members=members, **safe)
        shutil.rmtree(dist.parent, ignore_errors=True)
        dist.parent.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(tmp / 'package', dist.parent)
    return dist

def copy_katex(dist: Path, dst: Path):
    "The parts of KaTeX a page uses: the script, the stylesheet and its woff2 fonts."
    (dst / 'fonts').mkdir(parents=True, exist_ok=True)
    for f in ('katex.min.js', 'katex.min.css'): shutil.copy2(dist / f, dst / f)
    for f in (dist / 'fonts').glob('*.woff2'): shutil.copy2(f, dst / 'fonts' / f.name)
    lic = dist.parent / 'LICENSE'
    if lic.is_file(): shutil.copy2(lic, dst / 'LICENSE')

# ---------------------------------------------------------------------------------------------
# Markdown, as pandoc would read it for Quarto

def pandoc_id(text: str, seen: dict) -> str:
    """Pandoc's automatic heading identifier (what Quarto uses): formatting dropped, lowercase,
    only letters, digits, `_-.` kept, spaces to hyphens, nothing before the first letter;
    repeats get `-1`, `-2`, ..."""
    text = html.unescape(re.sub(r'<[^>]+>', '', text)).strip().lower()
    s = ''.join(ch for ch in text if ch.isalnum() or ch in '_-. \n\t')
    s = re.sub(r'\s+', '-', s)
    s = re.sub(r'^[^a-z\u00c0-\uffff]+', '', s) or 'section'
    n = seen.get(s, 0); seen[s] = n + 1
    return s if n == 0 else f'{s}-{n}'

def _pandoc_attrs(spec: str) -> dict:
    "Attributes of a pandoc `{#id .class key=value}` block, as HTML attributes."
    out, classes = {}, []
    spec = html.unescape(spec)                  # mistune has already escaped the quotes
    for m in re.finditer(r'#([\w:.-]+)|\.([\w-]+)|([\w-]+)=(?:"([^"]*)"|\'([^\']*)\'|(\S+))', spec):
        if m[1]: out['id'] = m[1]
        elif m[2]: classes.append(m[2])
        else: out[m[3]] = next(v for v in (m[4], m[5], m[6]) if v is not None)
    if classes: out['class'] = ' '.join(classes)
    return out

def _attr_html(attrs: dict) -> str:
    return ''.join(f' {k}="{html.escape(v, quote=True)}"' for k, v in attrs.items())

# Pandoc's tex_math_dollars: an opening `$` has a non-space character to its right, a closing `$`
# a non-space character to its left and no digit after it; inline maths may span lines but not
# paragraphs. Anything else stays a literal `$` (which the browser test then reports).
INLINE_MATH = (r'\$\$(?P<display_math_text>(?:[^$\\]|\\.)+?)\$\$|'
               r'\$(?![$\s])(?P<math_text>(?:[^$\\\n]|\\.|\n(?![ \t]*\n))+?)(?<!\s)\$(?!\d)')
BLOCK_MATH = (r'^ {0,3}\$\$(?P<math_text_single>[^\n]*?)\$\$[ \t]*(?:\n|$)|'
              r'^ {0,3}\$\$[ \t]*\n(?P<math_text_multi>[\s\S]*?)\n[ \t]*\$\$[ \t]*(?:\n|$)')

def _math_plugin(md):
    def block(block, m, state):
        state.append_token({'type': 'block_math',
                            'raw': m.group('math_text_single') or m.group('math_text_multi')})
        return m.end()
    def inline(inline, m, state):
        if m.group('display_math_text') is not None:
            state.append_token({'type': 'display_math', 'raw': m.group('display_math_text')})
        else: state.append_token({'type': 'inline_math', 'raw': m.group('math_text')})
        return m.end()
    md.block.register('block_math', BLOCK_MATH, block, before='list')
    md.inline.register('inline_math', INLINE_MATH, inline, before='codespan')
    def span(kind):
        return lambda r, t: f'<span class="math {kind}">{html.escape(t, quote=False)}</span>'
    md.renderer.register('block_math', lambda r, t: f'<p>{span("display")(r, t)}</p>\n')
    md.renderer.register('display_math', span('display'))
    md.renderer.register('inline_math', span('inline'))

def _highlight(code: str, lang: str | None) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound
    try: lexer = get_lexer_by_name(lang or 'text')
    except ClassNotFound: lexer = get_lexer_by_name('text')
    body = highlight(code, lexer, HtmlFormatter(nowrap=True))
    cls = f' class="sourceCode {html.escape(lang)}"' if lang else ' class="sourceCode"'
    return f'<div class="sourceCode"><pre{cls}><code>{body}</code></pre></div>\n'

class Markdown:
    "Pandoc-flavoured markdown to HTML for one page (heading identifiers are unique per page)."
    def __init__(self):
        import mistune
        seen, self.toc = {}, []
        toc = self.toc
        class Renderer(mistune.HTMLRenderer):
            def heading(self, text, level, **attrs):
                m = re.search(r'\s*\{([^{}]*)\}\s*$', text)
                a = _pandoc_attrs(m[1]) if m else {}
                if m: text = text[:m.start()]
                if 'id' not in a: a = {'id': pandoc_id(text, seen), **a}
                else: seen[a['id']] = seen.get(a['id'], 0) + 1
                if level in (2, 3): toc.append((level, a['id'], re.sub(r'<[^>]+>', '', text)))
                a['class'] = (a.get('class', '') + ' anchored').strip()
                return (f'<h{level}{_attr_html(a)}>{text}'
                        f'<a class="anchorjs-link" href="#{a["id"]}" aria-label="Anchor"></a>'
                        f'</h{level}>\n')
            def block_code(self, code, info=None):
                return _highlight(code, (info or '').split(None, 1)[0] if info else None)
        self._md = mistune.create_markdown(
            renderer=Renderer(escape=False),
            plugins=['table', 'strikethrough', 'footnotes', _math_plugin])

    def __call__(self, text: str) -> str:
        out = self._md(text)
        # pandoc's attributes after a link or an image: [text](url){target="_blank" ...}
        out = re.sub(r'(<a\b[^>]*?)>((?:(?!</a>).)*?)</a>\{([^{}]*)\}',
                     lambda m: f'{m[1]}{_attr_html(_pandoc_attrs(m[3]))}>{m[2]}</a>', out,
                     flags=re.S)
        out = re.sub(r'(<img\b[^>]*?)\s*/?>\{([^{}]*)\}',
                     lambda m: f'{m[1]}{_attr_html(_pandoc_attrs(m[2]))} />', out)
        return out

# ---------------------------------------------------------------------------------------------
# Notebook cells, the way Quarto lays them out

_QUARTO_OPT = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
_ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')
MIME_ORDER = ('text/html', 'image/svg+xml', 'image/png', 'image/jpeg', 'image/gif',
              'text/markdown', 'text/latex', 'text/plain')

def _text(v) -> str: return ''.join(v) if isinstance(v, list) else (v or '')

def _output(o, md: Markdown, asis: bool) -> str:
    t = o.get('output_type')
    if t == 'stream':
        name = o.get('name', 'stdout')
        return (f'<div class="cell-output cell-output-{name}"><pre><code>'
                f'{html.escape(_ANSI.sub("", _text(o.get("text"))))}</code></pre></div>\n')
    if t == 'error':
        tb = _ANSI.sub('', '\n'.join(o.get('traceback', [])))
        return (f'<div class="cell-output cell-output-error"><pre><code>{html.escape(tb)}'
                '</code></pre></div>\n')
    data = o.get('data', {})
    mime = next((m for m in MIME_ORDER if m in data), None)
    if mime is None: return ''
    v = _text(data[mime])
    if mime == 'text/markdown' and asis: return md(v)
    if mime == 'text/markdown': inner = md(v)
    elif mime == 'text/html': inner = v
    elif mime == 'image/svg+xml': inner = v
    elif mime.startswith('image/'):
        meta = o.get('metadata', {}).get(mime, {})
        size = ''.join(f' {k}="{meta[k]}"' for k in ('width', 'height') if k in meta)
        inner = f'<img src="data:{mime};base64,{v.strip()}" alt=""{size} />'
    elif mime == 'text/latex':
        inner = f'<span class="math display">{html.escape(v.strip("$ "))}</span>'
    else: inner = f'<pre><code>{html.escape(_ANSI.sub("", v))}</code></pre>'
    kind = 'display' if mime.startswith('image/') else t.replace('_', '-')
    return f'<div class="cell-output cell-output-{kind}">{inner}</div>\n'

def _code_cell(c, md: Markdown) -> str:
    lines, opts = c.source.splitlines(), {}
    while lines and _QUARTO_OPT.match(lines[0]):
        k, v = _QUARTO_OPT.match(lines.pop(0)).groups(); opts[k] = v.strip('"\'').lower()
    if opts.get('include') == 'false': return ''
    asis = opts.get('output') == 'asis'
    outs = [] if opts.get('output') == 'false' else c.get('outputs', [])
    src = '' if opts.get('echo') == 'false' else _highlight('\n'.join(lines), 'python')
    if src and opts.get('code-fold') in ('true', 'show'):
        summary = html.escape(opts.get('code-summary', 'Code'))
        src = (f'<details class="code-fold"{" open" if opts["code-fold"] == "show" else ""}>'
               f'<summary>{summary}</summary>{src}</details>\n')
    body = ''.join(_output(o, md, asis) for o in outs)
    if asis and not src: return body
    return f'<div class="cell">\n{src}{body}</div>\n'

@dataclass
class Page:
    source: str                    # notebook name in _proc/, e.g. 00_data.ipynb
    file: str                      # page name, e.g. data.html
    title: str
    description: str = ''
    body: str = ''
    toc: list = field(default_factory=list)

def read_page(path: Path) -> Page:
    "A processed notebook as a page: its front matter, then its cells as HTML."
    import nbformat, yaml
    nb = nbformat.read(path, as_version=4)
    md, fm, parts = Markdown(), {}, []
    for c in nb.cells:
        if c.cell_type == 'raw':
            if c.source.lstrip().startswith('---') and not fm:
                fm = yaml.safe_load(c.source.strip().strip('-')) or {}
            continue
        if c.cell_type == 'markdown':
            src = c.source
            for name, att in (c.get('attachments') or {}).items():
                mime, b64 = next(iter(att.items()))
                src = src.replace(f'attachment:{name}', f'data:{mime};base64,{_text(b64)}')
            parts.append(md(src))
        elif c.cell_type == 'code': parts.append(_code_cell(c, md))
    return Page(path.name, fm.get('output-file') or path.stem + '.html',
                str(fm.get('title') or path.stem), str(fm.get('description') or ''),
                ''.join(parts), md.toc)

# ---------------------------------------------------------------------------------------------
# The site

def _link_fixer(pages: list[Page], site: str):
    "Links to notebooks and to the published site, pointed at the preview's pages."
    by_nb = {p.source: p.file for p in pages}
    files = {p.file for p in pages}
    def nb_link(m):
        target = by_nb.get(m[2] + '.ipynb')
        return f'{m[1]}="{target}{m[3] or ""}"' if target else m[0]
    def site_link(m):
        return f'{m[1]}="{m[2]}{m[3] or ""}"' if m[2] in files else m[0]
    def fix(body: str) -> str:
        body = re.sub(r'(href)="(?:\./)?([\w.-]+)\.ipynb(#[^"]*)?"', nb_link, body)
        if site:
            body = re.sub(rf'(href)="{re.escape(site.rstrip("/"))}/([\w.-]+\.html)(#[^"]*)?"',
                          site_link, body)
        return body
    return fix

DOWNLOAD = re.compile(r'href="https://[^"]+/raw/[\w.-]+/nbs/([\w.-]+\.ipynb)"')

def _local_download(body: str, nbs: Path, dst: Path) -> str:
    "The \"download this notebook\" link, pointed at a copy of the notebook in the preview."
    def local(m):
        if not (nbs / m[1]).is_file(): return m[0]
        dst.mkdir(exist_ok=True)
        shutil.copy2(nbs / m[1], dst / m[1])
        return f'href="notebooks/{m[1]}"'
    return DOWNLOAD.sub(local, body)

def _page_html(page: Page, pages: list[Page], i: int, cfg: dict, katex: bool) -> str:
    e = html.escape
    web = cfg.get('website', {})
    site_title = web.get('title', 'ganbook')
    active = ' class="active" aria-current="page"'
    side = '\n'.join(f'<li><a href="{p.file}"{active if p is page else ""}>{e(p.title)}</a></li>'
                     for p in pages)
    toc = '\n'.join(f'<li class="toc-h{lvl}"><a href="#{e(id_)}">{text}</a></li>'
                    for lvl, id_, text in page.toc)
    if toc: toc = f'<h2>On this page</h2><ul>\n{toc}\n</ul>'
    prev_, next_ = (pages[i - 1] if i > 0 else None), (pages[i + 1] if i + 1 < len(pages) else None)
    nav = '<nav class="page-navigation">'
    nav += (f'<a class="nav-prev" rel="prev" href="{prev_.file}">← {e(prev_.title)}</a>'
            if prev_ else '<span></span>')
    nav += (f'<a class="nav-next" rel="next" href="{next_.file}">{e(next_.title)} →</a>'
            if next_ else '<span></span>')
    nav += '</nav>'
    repo = web.get('repo-url', '')
    github = f'<a class="nav-link" href="{e(repo)}">GitHub</a>' if repo else ''
    math = ('<link rel="stylesheet" href="assets/katex/katex.min.css">\n'
            '<script defer src="assets/katex/katex.min.js"></script>\n'
            '<script defer src="assets/math.js"></script>\n') if katex else ''
    desc = f'<p class="description">{e(page.description)}</p>' if page.description else ''
    return f'''<!doctype html>
<html lang="en"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(page.title)} – {e(site_title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/site.css">
<link rel="stylesheet" href="assets/styles.css">
{math}</head><body>
<header class="navbar"><a class="navbar-brand" href="index.html">{e(site_title)}</a>
<span class="navbar-note">offline preview</span>{github}</header>
<div class="page-layout">
<nav id="quarto-sidebar" class="sidebar" aria-label="Chapters"><ul>
{side}
</ul></nav>
<main id="quarto-document-content" class="content">
<header id="title-block-header"><h1 class="title">{e(page.title)}</h1>{desc}</header>
{page.body}
{nav}
</main>
<nav id="TOC" class="toc" aria-label="On this page">{toc}</nav>
</div>
</body></html>
'''

def render(proc_dir: Path, out: Path, entries: list[str], katex: Path | None = None,
           fetch: bool = True) -> list[Path]:
    """Write one page per notebook in the sidebar `entries` (found in `proc_dir`) into `out`,
    `index.html` being the course home, plus `out/assets/`. Returns the pages in sidebar order.
    Without `katex`, KaTeX comes from `katex_dist(fetch=fetch)`."""
    import yaml
    qy = proc_dir / '_quarto.yml'
    cfg = yaml.safe_load(qy.read_text()) if qy.exists() else {}
    ini = configparser.ConfigParser(); ini.read(proc_dir.parent / 'settings.ini')
    site = ini['DEFAULT'].get('doc_host', '') + ini['DEFAULT'].get('doc_baseurl', '') \
        if 'DEFAULT' in ini else ''
    if out.exists(): shutil.rmtree(out)
    (out / 'assets').mkdir(parents=True)
    for f in ASSETS.iterdir(): shutil.copy2(f, out / 'assets' / f.name)
    from pygments.formatters import HtmlFormatter
    with open(out / 'assets' / 'site.css', 'a') as css:
        css.write('\n/* code highlighting (Pygments) */\n'
                  + HtmlFormatter(style='default').get_style_defs('.sourceCode'))
    styles = proc_dir / 'styles.css'
    (out / 'assets' / 'styles.css').write_text(styles.read_text() if styles.exists() else '')
    if katex is None: katex = katex_dist(fetch=fetch)
    if katex is not None: copy_katex(katex, out / 'assets' / 'katex')
    else: print("KaTeX not found (npm missing or offline, and no --katex): maths is left as LaTeX",
                file=sys.stderr)
    pages = [read_page(proc_dir / n) for n in entries if n.endswith('.ipynb')]
    fix = _link_fixer(pages, site)
    paths = []
    for i, p in enumerate(pages):
        p.body = _local_download(fix(p.body), proc_dir.parent / 'nbs', out / 'notebooks')
        path = out / p.file
        path.write_text(_page_html(p, pages, i, cfg, katex is not None), encoding='utf-8')
        paths.append(path)
    (out / 'pages.json').write_text(json.dumps(
        [{'source': p.source, 'file': p.file, 'title': p.title} for p in pages], indent=1))
    return paths

def build(out: Path, katex: Path | None = None) -> list[Path]:
    "Process the notebooks in a temporary copy of the project and render the preview into `out`."
    with tempfile.TemporaryDirectory(prefix='ganbook-preview-') as d:
        project = copy_project(Path(d) / 'project')
        r = proc_nbs(project)
        if r.returncode != 0:
            sys.exit(f"nbdev_proc_nbs failed:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}")
        return render(project / '_proc', out, sidebar_entries(project / '_quarto.yml'), katex)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(ROOT / '_preview'),
                    help='folder to write (replaced); default _preview/')
    ap.add_argument('--katex', default=None,
                    help="a KaTeX dist/ folder to use instead of npm's katex package")
    ap.add_argument('--fetch-katex', action='store_true',
                    help="only fetch npm's katex into the cache (an install step) and exit")
    a = ap.parse_args()
    if a.fetch_katex:
        dist = katex_dist()
        if dist is None: sys.exit("could not fetch KaTeX with npm")
        print(f"KaTeX {KATEX_VERSION}: {dist}")
        sys.exit(0)
    pages = build(Path(a.out), Path(a.katex) if a.katex else None)
    print(f"{len(pages)} pages in {a.out}; open {Path(a.out) / 'index.html'}")
