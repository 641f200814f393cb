#!/usr/bin/env python
"""Check every internal link of a static site: `python tools/check_links.py _docs`.

Parses every HTML page under the site directory and checks each `href`/`src` (`<a>`, `<link>`, `<script>`, `<img>`,
`<iframe>`, `<source>`, ...) that is relative or site-absolute: the file must exist in the site, and a `#anchor` must
be an `id` (or `<a name>`) on the target page. Asset paths that inline scripts load (quoted `./`, `../` or `assets/`
paths to .js/.css/image files, e.g. Bokeh's loader) are checked too. External links (http, https, protocol-relative,
mailto, ...) are counted, never fetched. Prints each broken link with its page and target; exits 1 if any.
"""
from __future__ import annotations

import argparse
import posixpath
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRS = {'a': ('href',), 'area': ('href',), 'link': ('href',), 'script': ('src',), 'img': ('src',),
              'iframe': ('src',), 'source': ('src',), 'video': ('src', 'poster'), 'audio': ('src',),
              'embed': ('src',), 'object': ('data',), 'track': ('src',), 'input': ('src',)}
EXTERNAL = re.compile(r'^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)')   # a scheme (http:, mailto:, data:, javascript:) or //host
SCRIPT_ASSET = re.compile(r'''["']((?:\./|\.\./|assets/)[^"'\s<>]*?\.(?:js|mjs|css|png|jpe?g|gif|svg|woff2?))["']''')


class Page(HTMLParser):
    "The ids and links of one HTML page."
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []     # (tag.attr, url)
        self.in_script = False
        self.script_assets: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get('id'): self.ids.add(a['id'])
        if tag == 'a' and a.get('name'): self.ids.add(a['name'])
        for attr in LINK_ATTRS.get(tag, ()):
            v = a.get(attr)
            if v is not None and not (tag == 'link' and a.get('rel') in ('preconnect', 'dns-prefetch')):
                self.links.append((f'{tag}.{attr}', v.strip()))
        if tag == 'img' and a.get('srcset'):
            for part in a['srcset'].split(','):
                if part.strip(): self.links.append(('img.srcset', part.split()[0]))
        self.in_script = tag == 'script' and not a.get('src')

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == 'script': self.in_script = False

    def handle_data(self, data):
        if self.in_script: self.script_assets += SCRIPT_ASSET.findall(data)


def parse(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text(encoding='utf-8', errors='replace'))
    p.close()
    return p


def check_site(site: Path) -> tuple[list[str], dict]:
    "Broken links of the site at `site` as lines 'page: kind target (reason)', and counts."
    site = site.resolve()
    pages = {p.relative_to(site).as_posix(): p for p in sorted(site.rglob('*.html'))}
    parsed: dict[str, Page] = {}

    def page(rel: str) -> Page:
        if rel not in parsed: parsed[rel] = parse(pages[rel])
        return parsed[rel]

    broken, counts = [], {'pages': len(pages), 'internal': 0, 'external': 0, 'anchors': 0}
    for rel in pages:
        p = page(rel)
        here = posixpath.dirname(rel)
        links = p.links + [('script.asset', u) for u in p.script_assets]
        for kind, url in links:
            if not url or url == '#': continue
            if EXTERNAL.match(url):
                counts['external'] += 1
                continue
            counts['internal'] += 1
            parts = urlsplit(url)
            path, frag = unquote(parts.path), unquote(parts.fragment)
            if path.startswith('/'): target = posixpath.normpath(path.lstrip('/')) if path.strip('/') else ''
            elif path: target = posixpath.normpath(posixpath.join(here, path))
            else: target = rel                                  # same page
            if target in ('', '.'): target = 'index.html'
            if target.startswith('../'):
                broken.append(f'{rel}: {kind} {url} (outside the site)'); continue
            f = site / target
            if f.is_dir(): f, target = f / 'index.html', posixpath.join(target, 'index.html')
            if not f.is_file():
                broken.append(f'{rel}: {kind} {url} (no file {target})'); continue
            if frag and target in pages:
                counts['anchors'] += 1
                if frag not in page(target).ids:
                    broken.append(f'{rel}: {kind} {url} (no id "{frag}" on {target})')
    return broken, counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('site', nargs='?', default='_docs', help='the site directory (default _docs)')
    ap.add_argument('--max', type=int, default=200, help='print at most this many broken links (default 200)')
    args = ap.parse_args(argv)
    site = Path(args.site)
    if not site.is_dir():
        print(f'check_links: error: {site} is not a directory (build the site first: make docs)', file=sys.stderr)
        return 2
    broken, c = check_site(site)
    for line in broken[:args.max]: print(f'broken: {line}')
    if len(broken) > args.max: print(f'... and {len(broken) - args.max} more')
    print(f"check_links: {c['pages']} pages, {c['internal']} internal links ({c['anchors']} with an anchor), "
          f"{c['external']} external links (not fetched); {len(broken)} broken")
    return 1 if broken or not c['pages'] else 0


if __name__ == '__main__':
    sys.exit(main())
