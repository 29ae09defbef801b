"""The offline preview in a real browser: every page of `_preview/` loaded in headless Chromium.

Chromium is Debian's `chromium` package (.ci/run installs it); it is driven over the Chrome
DevTools protocol with `websocket-client` (a dependency of jupyter_server, so of the dev
extras). Without Chromium the tests are skipped, saying so; under CI (CI=true) they fail instead.
One screenshot per page is kept in a temporary folder, named at the end of pytest's output.
$CHROMIUM names another browser binary (google-chrome, say).
"""
import base64, itertools, json, os, shutil, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path
import pytest
from conftest import NOTES, ROOT

sys.path.insert(0, str(ROOT / 'tools'))
import preview

CHAPTERS = sorted(p.name for p in (ROOT / 'nbs').glob('*.ipynb'))
# $CHROMIUM names the browser to use; else the first of these on PATH
CHROMIUM = (shutil.which(os.environ['CHROMIUM']) if os.environ.get('CHROMIUM') else
            next((shutil.which(n) for n in ('chromium', 'chromium-browser', 'google-chrome')
                  if shutil.which(n)), None))

# What the page reports about itself once KaTeX has run (math.js sets data-math="done").
PROBE = r"""(() => {
  const main = document.querySelector('main');
  const skip = 'pre, code, script, style, .katex, .math-error';
  const walker = document.createTreeWalker(main || document.body, NodeFilter.SHOW_TEXT);
  let text = '';
  for (let n = walker.nextNode(); n; n = walker.nextNode())
    if (!n.parentElement.closest(skip)) text += n.data;
  const at = [...text.matchAll(/\$/g)]
    .map(m => text.slice(Math.max(0, m.index - 40), m.index + 40));
  const imgs = [...document.images];
  return {
    title: document.title,
    math: document.documentElement.getAttribute('data-math'),
    height: main ? main.getBoundingClientRect().height : 0,
    h1: (document.querySelector('h1.title') || {}).textContent || '',
    katex: document.querySelectorAll('.katex').length,
    mathErrors: document.querySelectorAll('.math-error').length,
    rawDollars: at,
    images: imgs.length,
    brokenImages: imgs.filter(i => !(i.complete && i.naturalWidth > 0))
      .map(i => i.src.slice(0, 60)),
    sidebar: [...document.querySelectorAll('#quarto-sidebar a')].map(a => a.getAttribute('href')),
    prev: (document.querySelector('.page-navigation a[rel=prev]') || {}).href || null,
    next: (document.querySelector('.page-navigation a[rel=next]') || {}).href || null,
    home: !!document.querySelector('.navbar a[href="index.html"]'),
    download: [...document.querySelectorAll('main a.notebook-download')]
      .map(a => [a.getAttribute('href'), a.getAttribute('download'),
                 a.getBoundingClientRect().top - main.getBoundingClientRect().top]),
    scrollHeight: document.documentElement.scrollHeight,
  };
})()"""

class CDP:
    "A minimal Chrome DevTools protocol client for one page target."
    def __init__(self, ws_url):
        import websocket
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.ids, self.events = itertools.count(1), []
    def call(self, method, **params):
        i = next(self.ids)
        self.ws.send(json.dumps({'id': i, 'method': method, 'params': params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get('id') == i:
                if 'error' in msg: raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get('result', {})
            self.events.append(msg)
    def wait_for(self, method, timeout=30):
        end = time.time() + timeout
        for k, e in enumerate(self.events):
            if e.get('method') == method: return self.events.pop(k)
        self.ws.settimeout(timeout)
        while time.time() < end:
            msg = json.loads(self.ws.recv())
            if msg.get('method') == method: return msg
            self.events.append(msg)
        raise TimeoutError(method)
    def evaluate(self, expr):
        r = self.call('Runtime.evaluate', expression=expr, returnByValue=True)
        if 'exceptionDetails' in r: raise RuntimeError(r['exceptionDetails'])
        return r['result'].get('value')

@pytest.fixture(scope='module')
def chromium():
    if CHROMIUM is None:
        msg = ("Chromium is not installed (Debian: apt-get install -y chromium), "
               "so the preview was not checked in a browser")
        if os.environ.get('CI', '').lower() == 'true': pytest.fail(msg + '; under CI it must run')
        pytest.skip(msg)
    return CHROMIUM

@pytest.fixture(scope='module')
def preview_site(chromium, site, katex, tmp_path_factory):
    "The offline preview of the processed project, rendered into a temporary folder."
    out = tmp_path_factory.mktemp('browser') / '_preview'
    entries = preview.sidebar_entries(site / '_quarto.yml')
    preview.render(site / '_proc', out, entries, katex)
    return out, json.loads((out / 'pages.json').read_text())

@pytest.fixture(scope='module')
def browser(chromium):
    profile = tempfile.mkdtemp(prefix='ganbook-chromium-')
    proc = subprocess.Popen(
        [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
         '--no-first-run', '--no-default-browser-check', '--disable-extensions',
         '--disable-background-networking', '--remote-debugging-port=0', '--remote-allow-origins=*',
         f'--user-data-dir={profile}', '--window-size=1280,900', 'about:blank'],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port, end = None, time.time() + 60
        port_file = Path(profile) / 'DevToolsActivePort'
        while time.time() < end and port is None:
            if proc.poll() is not None:
                pytest.fail(f"chromium exited with {proc.returncode}: {proc.stderr.read()[-2000:]}")
            if port_file.is_file() and port_file.read_text().strip():
                port = int(port_file.read_text().split()[0])
            else: time.sleep(0.1)
        assert port, "chromium did not open its DevTools port within 60 s"
        with urllib.request.urlopen(f'http://127.0.0.1:{port}/json/list', timeout=10) as r:
            target = next(t for t in json.load(r) if t['type'] == 'page')
        cdp = CDP(target['webSocketDebuggerUrl'])
        for domain in ('Page', 'Runtime', 'Log'): cdp.call(f'{domain}.enable')
        cdp.call('Emulation.setDeviceMetricsOverride', width=1280, height=900,
                 deviceScaleFactor=1, mobile=False)
        yield cdp
        cdp.ws.close()
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill()
        shutil.rmtree(profile, ignore_errors=True)

@pytest.fixture(scope='module')
def shots(request):
    d = Path(tempfile.mkdtemp(prefix='ganbook-screenshots-'))
    note = f"screenshots of the preview's pages (tests/test_browser.py): {d}"
    print('\n' + note)
    request.config.stash.setdefault(NOTES, []).append(note)  # conftest prints it at the end
    return d

def _errors(events):
    "Console errors, uncaught exceptions and failed loads among the page's events."
    out = []
    for e in events:
        m, p = e.get('method'), e.get('params', {})
        if m == 'Runtime.consoleAPICalled' and p.get('type') in ('error', 'assert'):
            out.append('console: ' + ' '.join(str(a.get('value', a.get('description', '')))
                                              for a in p.get('args', [])))
        elif m == 'Runtime.exceptionThrown':
            d = p.get('exceptionDetails', {})
            out.append('exception: ' + d.get('exception', {}).get('description', d.get('text', '')))
        elif m == 'Log.entryAdded' and p.get('entry', {}).get('level') == 'error':
            out.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
    return out

def visit(cdp, url, timeout=30):
    "Load `url`, wait for its load event and for KaTeX; return the page's report and its events."
    cdp.events.clear()
    cdp.call('Page.navigate', url=url)
    cdp.wait_for('Page.loadEventFired', timeout)
    end = time.time() + timeout
    while cdp.evaluate("document.documentElement.getAttribute('data-math')") != 'done':
        if time.time() > end: break
        time.sleep(0.05)
    info = cdp.evaluate(PROBE)
    # a last drain of events that arrived while the page settled
    cdp.call('Runtime.evaluate', expression='0')
    return info, list(cdp.events)

@pytest.fixture(scope='module')
def visited(preview_site, browser, shots):
    "Every page of the preview visited once: {page file: (report, errors, screenshot)}."
    out, pages = preview_site
    res = {}
    for i, p in enumerate(pages):
        info, events = visit(browser, (out / p['file']).as_uri())
        h = min(info['scrollHeight'], 6000)
        png = browser.call('Page.captureScreenshot', format='png', captureBeyondViewport=True,
                           clip={'x': 0, 'y': 0, 'width': 1280, 'height': h, 'scale': 0.6})
        shot = shots / f"{i:02d}_{Path(p['file']).stem}.png"
        shot.write_bytes(base64.b64decode(png['data']))
        res[p['file']] = (info, _errors(events), shot)
    print('\n'.join(f"  {f}: {v[0]['katex']} maths spans, {v[0]['images']} images -> {v[2]}"
                    for f, v in res.items()))
    return res

def test_preview_covers_every_notebook(preview_site):
    out, pages = preview_site
    assert sorted(p['source'] for p in pages) == CHAPTERS, \
        f"preview pages {[p['source'] for p in pages]}; notebooks in nbs/: {CHAPTERS}"
    assert pages[0]['file'] == 'index.html' and pages[0]['source'] == 'index.ipynb', \
        "index.html is the course home, index.ipynb"
    assert (out / 'assets' / 'katex' / 'katex.min.js').is_file(), \
        "KaTeX not bundled (npm pack katex failed?): maths would stay raw"

def test_pages_render_without_errors(visited):
    bad = {f: errs for f, (info, errs, _) in visited.items() if errs}
    assert not bad, f"console errors: {bad}"
    for f, (info, _, shot) in visited.items():
        assert info['title'] and info['h1'].strip(), f"{f}: no title ({shot})"
        assert info['height'] > 200, f"{f}: the content is {info['height']} px tall ({shot})"
        assert info['math'] == 'done', f"{f}: the maths script did not run ({shot})"

def test_no_raw_maths(visited):
    bad = {f: (info['mathErrors'], info['rawDollars'][:5])
           for f, (info, _, _) in visited.items() if info['mathErrors'] or info['rawDollars']}
    assert not bad, f"maths left as LaTeX (KaTeX errors, text around a raw $): {bad}"
    assert sum(info['katex'] for info, _, _ in visited.values()) > 100, "hardly any maths typeset"

def test_every_figure_loads(visited, site):
    bad = {f: info['brokenImages'] for f, (info, _, _) in visited.items() if info['brokenImages']}
    assert not bad, f"images that did not load: {bad}"
    assert sum(info['images'] for info, _, _ in visited.values()) > 10

def test_sidebar_and_page_navigation(visited, preview_site):
    _, pages = preview_site
    files = [p['file'] for p in pages]
    for i, f in enumerate(files):
        info = visited[f][0]
        assert info['sidebar'] == files, f"{f}: sidebar links {info['sidebar']}, expected {files}"
        assert info['home'], f"{f}: no link home"
        assert (info['prev'] or '').endswith(files[i - 1]) if i else info['prev'] is None, f
        assert (info['next'] or '').endswith(files[i + 1]) if i + 1 < len(files) \
            else info['next'] is None, f

def test_api_anchors_exist(visited, preview_site, browser):
    "A link to an API entry (nbdev's lowercase anchors) lands on a heading with that id."
    out, _ = preview_site
    info, _ = visit(browser, (out / 'data.html').as_uri() + '#batchiterator')
    found = browser.evaluate("(() => { const h = document.getElementById('batchiterator');"
                             " return h ? h.tagName + ' ' + h.textContent : null })()")
    assert found and found.startswith('H3') and 'BatchIterator' in found, found

def test_every_chapter_page_offers_its_notebook(visited, preview_site):
    "One 'download this notebook' link near the top of each page but the home page, to a copy."
    out, pages = preview_site
    for p in pages:
        links, shot = visited[p['file']][0]['download'], visited[p['file']][2]
        if p['source'] == 'index.ipynb':
            assert links == [], f"the home page links a notebook: {links}"
            continue
        assert len(links) == 1, f"{p['file']}: {len(links)} download links ({shot})"
        href, name, top = links[0]
        assert (href, name) == (f"notebooks/{p['source']}", p['source']), (p['file'], links)
        assert top < 300, f"{p['file']}: the link is {top:.0f} px below the top ({shot})"
        copy = out / href
        assert copy.read_bytes() == (ROOT / 'nbs' / p['source']).read_bytes(), copy
