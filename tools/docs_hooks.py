"""MkDocs hooks for the offline docs site (named in the mkdocs.yml that tools/build_docs.py writes).

mkdocs-jupyter's page template always loads MathJax from a CDN; the notebooks use no TeX, and the site must work
offline, so the loader goes. Any other script, stylesheet, image or frame loaded from another host fails the build.
Headings that nbconvert gave the same id are numbered as the table of contents numbers them (x, x_1, ...).
"""
import re

_MATHJAX = re.compile(r'<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->', re.S)
_REMOTE = re.compile(r'<(script|link|img|iframe|source|video|audio)\b[^>]*?\s(?:src|href)\s*=\s*["\']?(?:https?:)?//[^>]*>', re.I)


def on_post_page(output, page, config):
    remote = [m[0] for m in _REMOTE.finditer(output)
              if not (m[1].lower() == 'link' and re.search(r'rel=["\']?(?:canonical|alternate)', m[0]))]
    if remote:
        raise RuntimeError(f'{page.file.src_uri}: loads from another host (the site must work offline): '
                           + '; '.join(r[:200] for r in remote[:5]))
    return output


_HEADING_ID = re.compile(r'<h([1-6])([^>]*?)\sid="([^"]*)"([^>]*)>(.*?)</h\1>', re.S)


def _unique(hid: str, seen: set) -> str:
    "Python-Markdown's rule (toc extension), which made the ids of the page's table of contents: x, x_1, x_2, ..."
    while hid in seen or not hid:
        m = re.match(r'^(.*)_([0-9]+)$', hid)
        hid = f'{m[1]}_{int(m[2]) + 1}' if m else f'{hid}_1'
    seen.add(hid)
    return hid


def on_page_content(html, page, config, files):
    html = _MATHJAX.sub('', html)
    # nbconvert gives two headings with the same text the same id; the table of contents numbers them: do the same
    seen = set()

    def heading(m):
        new = _unique(m[3], seen)
        if new == m[3]: return m[0]
        body = m[5].replace(f'href="#{m[3]}"', f'href="#{new}"')
        return f'<h{m[1]}{m[2]} id="{new}"{m[4]}>{body}</h{m[1]}>'
    return _HEADING_ID.sub(heading, html)
