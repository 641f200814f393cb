"""The docs site `_docs/` (built by `make docs`) in a real browser, and the link checker that `make docs-test` runs.

The browser test serves `_docs/` with a local http.server and loads the home page and every chapter and tutorial
page in Debian chromium (Playwright, never `playwright install`): each must load, show its title, request nothing
that fails and nothing from another host (the site works offline), and show every image it has; pages whose
notebooks draw figures must show at least one. It is skipped when `_docs/` has not been built.
"""
import importlib.util
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / '_docs'
CHROMIUM = '/usr/bin/chromium'
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic']


# every <img> of the page, including those inside shadow roots (Panel renders there)
ALL_IMAGES = """(() => { const out = [];
  const walk = root => { root.querySelectorAll('*').forEach(e => { if (e.tagName === 'IMG') out.push(e);
                                                                    if (e.shadowRoot) walk(e.shadowRoot); }); };
  walk(document); return out; })()"""


def _load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / 'tools' / f'{name}.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod


# --- the link checker, on small sites made here -----------------------------------------------------------------------

def _site(tmp_path, pages: dict) -> Path:
    for name, html in pages.items():
        f = tmp_path / name; f.parent.mkdir(parents=True, exist_ok=True); f.write_text(html)
    return tmp_path


def test_check_links_passes_a_good_site(tmp_path, capsys):
    cl = _load_tool('check_links')
    site = _site(tmp_path, {
        'index.html': '<a href="a.html#x">a</a> <a href="sub/b.html">b</a> <a href="#top">top</a> <h1 id="top">t</h1>'
                      '<a href="https://example.org/">ext</a> <a href="mailto:x@example.org">mail</a>'
                      '<img src="img/p.png"> <link rel="stylesheet" href="/css/s.css">'
                      '<script>var urls = ["assets/v/x.js"];</script>',
        'a.html': '<h2 id="x">x</h2>',
        'sub/b.html': '<a href="../a.html#x">a</a> <a href="../">home</a> <a href="/index.html#top">top</a>',
        'img/p.png': '', 'css/s.css': '', 'assets/v/x.js': ''})
    assert cl.main([str(site)]) == 0
    out = capsys.readouterr().out
    assert '3 pages' in out and '2 external links' in out and '0 broken' in out


def test_check_links_reports_broken_links(tmp_path, capsys):
    cl = _load_tool('check_links')
    site = _site(tmp_path, {
        'index.html': '<a href="missing.html">m</a> <a href="a.html#nope">a</a> <a href="#gone">g</a>'
                      '<img src="img/none.png"> <a href="../outside.html">o</a> <a href="a.html#x">ok</a>'
                      '<script>load("assets/none.js")</script>',
        'a.html': '<h2 id="x">x</h2>'})
    assert cl.main([str(site)]) == 1
    out = capsys.readouterr().out
    for expected in ('index.html: a.href missing.html (no file missing.html)',
                     'index.html: a.href a.html#nope (no id "nope" on a.html)',
                     'index.html: a.href #gone (no id "gone" on index.html)',
                     'index.html: img.src img/none.png (no file img/none.png)',
                     'index.html: a.href ../outside.html (outside the site)',
                     'index.html: script.asset assets/none.js (no file assets/none.js)'):
        assert f'broken: {expected}' in out, (expected, out)
    assert '6 broken' in out


def test_check_links_needs_a_site(tmp_path, capsys):
    assert _load_tool('check_links').main([str(tmp_path / 'nothing')]) == 2


# --- the built site in Chromium ---------------------------------------------------------------------------------------

def _pages() -> list[dict]:
    "The pages to load, home first, each with its title: from the search index (MkDocs' or Quarto's)."
    mk, quarto = SITE / 'search' / 'search_index.json', SITE / 'search.json'
    entries = ([(d['location'], d['title']) for d in json.loads(mk.read_text())['docs']] if mk.exists() else
               [(d['href'], d['title']) for d in json.loads(quarto.read_text())])
    seen, pages = set(), []
    for loc, title in entries:
        loc = loc.split('#')[0] or 'index.html'
        if loc in seen: continue
        seen.add(loc); pages.append({'path': loc, 'title': title})
    pages.sort(key=lambda p: p['path'] != 'index.html')
    return pages


def _figures_expected(path: str) -> bool:
    "Whether the page's executed notebook has a PNG output (a matplotlib figure or a grid picture)."
    nb = ROOT / 'build' / 'docs' / 'src' / Path(path).with_suffix('.ipynb')
    if not nb.exists(): return False
    return any('image/png' in o.get('data', {}) for c in json.loads(nb.read_text())['cells'] for o in c.get('outputs', []))


@contextmanager
def _serve(directory: Path):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    p = subprocess.Popen([sys.executable, '-m', 'http.server', str(port), '--bind', '127.0.0.1', '--directory',
                          str(directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f'http://127.0.0.1:{port}/'
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5): break
            except OSError:
                assert p.poll() is None and time.time() < deadline, 'http.server did not start'
                time.sleep(0.2)
        yield url
    finally:
        p.terminate(); p.wait(10)


@pytest.mark.skipif(not (SITE / 'index.html').exists(), reason='the docs site is not built: `make docs` builds _docs/')
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason='browser tests need Debian chromium at /usr/bin/chromium (make chromium)')
def test_site_pages_load_with_their_images(tmp_path):
    from playwright.sync_api import sync_playwright
    pages = _pages()
    assert pages[0]['path'] == 'index.html' and len(pages) >= 2, pages
    problems, shots = [], Path(__import__('os').environ.get('DOCS_SHOTS') or tmp_path)
    with _serve(SITE) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={'width': 1300, 'height': 900})
        foreign, failed = [], []
        # nothing may come from another host: record and block it
        ctx.route(re.compile(r'^(?!http://127\.0\.0\.1:)'), lambda route: (foreign.append(route.request.url), route.abort()))
        for pg in pages:
            foreign.clear(); failed.clear()
            page = ctx.new_page()
            page.on('requestfailed', lambda r: failed.append(f'{r.url} ({r.failure})'))
            page.on('response', lambda r: failed.append(f'{r.url} (HTTP {r.status})') if r.status >= 400 else None)
            resp = page.goto(base + pg['path'], wait_until='load')
            where = pg['path']
            if not resp or not resp.ok: problems.append(f'{where}: HTTP {resp and resp.status}'); page.close(); continue
            page.wait_for_load_state('networkidle')
            h1 = page.locator('article h1, main h1').first.text_content(timeout=10_000).replace('¶', '').strip()
            home = pg['path'] == 'index.html'   # its nav title is "Home"; its heading and <title>, the project's name
            if not h1 or (h1 != pg['title'] and not home): problems.append(f'{where}: heading {h1!r}, nav title {pg["title"]!r}')
            if not home and pg['title'] not in page.title(): problems.append(f'{where}: <title> {page.title()!r} lacks {pg["title"]!r}')
            # Panel/Bokeh outputs: BokehJS (served from the site) embeds each one and marks it rendered
            roots = page.locator('[data-root-id]').count()
            if roots:
                try: page.wait_for_function(f'document.querySelectorAll("[data-root-id][id$=-rendered]").length >= {roots}',
                                            timeout=60_000)
                except Exception: problems.append(f'{where}: {roots} Panel/Bokeh output(s), rendered: '
                                                  f'{page.locator("[data-root-id][id$=-rendered]").count()}')
            # images, in the page and in Panel's shadow DOM: every <img> must have decoded
            page.evaluate('window.scrollTo(0, document.body.scrollHeight)')
            page.wait_for_function(f'{ALL_IMAGES}.every(i => i.complete)', timeout=30_000)
            imgs = page.evaluate(f'{ALL_IMAGES}.map(i => [(i.getAttribute("src") || "").slice(0, 80), i.naturalWidth])')
            bad = [src for src, w in imgs if not w]
            if bad: problems.append(f'{where}: {len(bad)} image(s) not shown, e.g. {bad[:3]}')
            if _figures_expected(pg['path']) and not imgs: problems.append(f'{where}: the notebook has figures, the page shows none')
            if failed: problems.append(f'{where}: failed requests {failed[:5]}')
            if foreign: problems.append(f'{where}: requests to other hosts {foreign[:5]}')
            page.screenshot(path=str(shots / (pg['path'].replace('/', '_') + '.png')))
            page.close()
        browser.close()
    assert not problems, '\n'.join(problems)
