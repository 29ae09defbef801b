"""Every doc link and every source link of the docs resolves (issue 17).

The notebooks are processed by nbdev (the session `site` fixture) and rendered by the offline
preview; then each link to a page of the site must name an anchor that exists on that page, and
each API entry's source link (`.../blob/<branch>/ganbook/MOD.py#LN`) must name an existing file
and a line N where the documented name is defined.
"""
import html, re, sys
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / 'tools'))
import preview

SOURCE = re.compile(r'<a href="https://github\.com/[\w.-]+/[\w.-]+/blob/[\w.-]+/'
                    r'(ganbook/[\w/]+\.py)(?:#L(\w+))?"[^>]*>source</a>\s*(?:</p>)?\s*'
                    r'<h\d[^>]*>(.*?)<a class="anchorjs', re.S)

@pytest.fixture(scope='module')
def pages(site, katex, tmp_path_factory):
    out = tmp_path_factory.mktemp('doclinks') / '_preview'
    paths = preview.render(site / '_proc', out, preview.sidebar_entries(site / '_quarto.yml'),
                           katex)
    return {p.name: p.read_text(encoding='utf-8') for p in paths}

def _ids(text): return set(re.findall(r'\bid="([^"]+)"', text))

def test_every_site_link_names_an_existing_anchor(pages):
    ids = {name: _ids(text) for name, text in pages.items()}
    bad, n = [], 0
    for name, text in pages.items():
        for page, anchor in re.findall(r'href="([\w.-]+\.html)#([^"]+)"', text):
            n += 1
            if page in ids and html.unescape(anchor) not in ids[page]:
                bad.append(f'{name}: {page}#{anchor}')
        for anchor in re.findall(r'href="#([^"]+)"', text):
            n += 1
            if html.unescape(anchor) not in ids[name]: bad.append(f'{name}: #{anchor}')
        for url in re.findall(r'href="(https://ganbook\.github\.io/[^"]*)"', text):
            bad.append(f'{name}: {url} (not a page of the site)')
    assert n > 100, f"only {n} in-site links: is the preview linking at all?"
    assert not bad, f"{len(bad)} of {n} links name no anchor:\n" + '\n'.join(bad)

def test_every_source_link_names_the_defining_line(pages):
    bad, n = [], 0
    for name, text in pages.items():
        for path, line, title in SOURCE.findall(text):
            n += 1
            sym = re.sub(r'<[^>]+>', '', html.unescape(title)).strip().split('.')[-1]
            f = ROOT / path
            if not f.is_file(): bad.append(f'{name}: {title}: no file {path}'); continue
            lines = f.read_text().splitlines()
            if not line.isdigit() or not 0 < int(line) <= len(lines):
                bad.append(f'{name}: {title}: {path}#L{line}'); continue
            defines = rf'\s*(async\s+def|def|class)\s+{re.escape(sym)}\b|{re.escape(sym)}\s*[:=]'
            if not re.match(defines, lines[int(line) - 1]):
                bad.append(f'{name}: {title}: {path}#L{line} is {lines[int(line) - 1]!r}')
    sources = sum(text.count('>source</a>') for text in pages.values())
    assert n == sources, f"{sources - n} source links not followed by an API entry's heading"
    assert n > 100, f"only {n} source links"
    assert not bad, f"{len(bad)} of {n} source links are wrong:\n" + '\n'.join(bad)

SHOW_DOC = re.compile(r"^show_doc\(([\w.]+)(?:, name='[\w.]+')?\)\s*$", re.M)

def test_every_api_entry_shows_its_name_and_links_its_source():
    "In the stored outputs (what the site shows): constants too, not `### 12345` and int's doc."
    import json
    bad, n = [], 0
    for nb in sorted((ROOT / 'nbs').glob('*.ipynb')):
        for c in json.loads(nb.read_text())['cells']:
            m = SHOW_DOC.search(''.join(c['source'])) if c['cell_type'] == 'code' else None
            if not m: continue
            n += 1
            md = ''.join(''.join(o.get('data', {}).get('text/markdown', []))
                         for o in c.get('outputs', []))
            name = m[1].split('.')[-1]
            if not re.search(rf'^#+ \S*{re.escape(name)}\s*$', md, re.M):
                bad.append(f'{nb.name}: {m[1]}: no heading naming it')
            if '/blob/main/ganbook/' not in md: bad.append(f'{nb.name}: {m[1]}: no source link')
    assert n > 300, n
    assert not bad, f"{len(bad)} of {n} entries:\n" + '\n'.join(bad)
