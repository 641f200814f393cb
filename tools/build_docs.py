#!/usr/bin/env python
"""Build the offline docs site `_docs/` from the notebooks (what `make docs` runs where Quarto is not installed).

1. **Execute** every notebook (`nbs/index.ipynb`, the numbered chapters, `nbs/tutorials/*.ipynb`) with nbclient in a
   fresh kernel of this environment, skipping exactly the cells `nbdev_test` skips (the `tst_flags` of settings.ini,
   `#| eval: false`, `nbdev_export()` calls; `skip_exec` notebooks are not run), with `IN_TEST=1` and the notebook's
   folder as working directory, as `nbdev_test` does. `--jobs` notebooks run at once. A cell that fails stops the build, naming notebook and cell.
2. **nbdev processing**: nbdev's own docs processors (`FilterDefaults`, as `nbdev_docs` uses through `proc_nbs`):
   `show_doc` API docs after exported cells, hidden and exported cells removed, frontmatter, links to the API. (One
   change, see `_filters`: of a cell that nbdev re-runs in-process only because it imports, only the imports run.)
3. **Plain notebooks for MkDocs**: the Quarto-flavoured result becomes what mkdocs-jupyter renders: frontmatter as a
   title, Quarto cell options (`echo`, `output`, `include`) applied, `show_doc` anchors as in the Quarto site, links to
   the docs host made relative, links between notebooks made links between pages, and the Bokeh/Panel JavaScript and
   CSS that outputs load from a CDN served from local copies of the files the installed packages ship.
4. **MkDocs** (material theme, search, mkdocs-jupyter with execution off) renders `build/docs/src/` into `_docs/` with
   navigation in chapter order; the generated config is `build/docs/mkdocs.yml`.

Executed notebooks are cached in `build/docs/exec/`, keyed by the notebook, the library sources, settings.ini and the
versions of the tools; `--force` ignores the cache. `--execute-only` stops after step 2: it is how `make test` runs the
notebooks (always with `--force`), so that a `make docs` after it (as in CI) renders without executing them again.
"""
from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import active_children, get_context
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / 'build' / 'docs'
SRC = BUILD / 'src'          # the MkDocs docs_dir: converted notebooks and assets
EXEC = BUILD / 'exec'        # cache of executed + nbdev-processed notebooks
VENDOR = 'assets/vendor'     # where local copies of CDN files go, relative to the site root


class BuildError(Exception):
    "A notebook could not be executed or processed; the message names the notebook and the cell."


# ---------------------------------------------------------------------------------------------------------------------
# Which notebooks, in which order, on which pages

def page_path(rel: PurePosixPath) -> PurePosixPath:
    "The site page of notebook `rel` (relative to nbs/), named as nbdev/Quarto name it: `03a_dsl_core.ipynb` -> `dsl_core.html`."
    return rel.with_name(re.sub(r'^\d+[a-zA-Z0-9]*_', '', rel.name.lower())).with_suffix('.html')


def find_notebooks(nbs: Path) -> list[PurePosixPath]:
    "Notebooks under `nbs`, in reading order: index, numbered chapters, other top-level notebooks, then tutorials/."
    def ok(p: Path) -> bool: return not any(part.startswith(('.', '_')) for part in p.relative_to(nbs).parts)
    top = sorted(p for p in nbs.glob('*.ipynb') if ok(p))
    index = [p for p in top if p.name == 'index.ipynb']
    numbered = [p for p in top if re.match(r'\d', p.name)]
    other = [p for p in top if p not in index and p not in numbered]
    tutorials = sorted(p for p in nbs.glob('tutorials/*.ipynb') if ok(p))
    return [PurePosixPath(p.relative_to(nbs).as_posix()) for p in index + numbered + other + tutorials]


def nb_title(nb: dict, default: str) -> str:
    "The text of the notebook's first `# Title` markdown heading."
    for cell in nb['cells']:
        if cell['cell_type'] != 'markdown': continue
        m = re.search(r'^#\s+(.+?)\s*$', _src(cell), re.M)
        if m: return m[1].replace('`', '')
    return default


def _src(cell) -> str:
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else (s or '')


# ---------------------------------------------------------------------------------------------------------------------
# 1 + 2: execute (nbclient) and process (nbdev), in worker processes

def skip_reason(source: str, flags: set[str]) -> str | None:
    "Why `nbdev_test` would skip a code cell with this source (None: it runs it). Uses nbdev's own directive parser."
    from fastcore.basics import AttrDict
    from nbdev.process import extract_directives
    if 'nbdev_export' + '(' in source: return 'nbdev_export'
    d = extract_directives(AttrDict(source=source), remove=False) or {}
    if d.get('eval:', [''])[0].lower() == 'false': return 'eval: false'
    hit = flags & d.keys()
    return f'#| {sorted(hit)[0]}' if hit else None


def _clip(s: str, n: int = 3000) -> str:
    s = re.sub(r'\x1b\[[0-9;]*m', '', s)   # tracebacks come coloured
    return s if len(s) <= 2 * n else f'{s[:n]}\n[... {len(s) - 2 * n} characters ...]\n{s[-n:]}'


def _client_class():
    from nbclient import NotebookClient

    class SkippingClient(NotebookClient):
        "Runs every code cell except those in `skip`, which keep their source and get no output."
        def __init__(self, nb, skip=(), **kw):
            super().__init__(nb, **kw)
            self.skip, self.current = set(skip), None

        async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
            if cell_index in self.skip: return cell
            self.current = cell_index
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
    return SkippingClient


_CLIENT = None   # the worker's running NotebookClient


def _worker_init():
    """In each worker: on SIGTERM or SIGINT, or when the build process is gone, kill the running kernel's process group
    (jupyter_client starts kernels in a session of their own) and exit, so that an interrupted build leaves nothing."""
    import signal
    import threading
    parent = os.getppid()

    def die(*_):
        pid = getattr(getattr(getattr(_CLIENT, 'km', None), 'provisioner', None), 'pid', None)
        if pid:
            try: os.killpg(pid, signal.SIGKILL)
            except OSError: pass
        os._exit(143)
    signal.signal(signal.SIGTERM, die)
    signal.signal(signal.SIGINT, die)

    def watch():
        while os.getppid() == parent: time.sleep(1)
        die()
    threading.Thread(target=watch, daemon=True).start()


def run_notebook(src: str, rel: str, dst: str, flags: list[str], timeout: int, threads: int) -> tuple:
    "Execute notebook `src` (a worker's job), run nbdev's docs processors on the result, write it to `dst`."
    import nbformat
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    t0 = time.perf_counter()
    os.environ.update(IN_TEST='1', OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                      PYDEVD_DISABLE_FILE_VALIDATION='1', TQDM_DISABLE='1',
                      HF_HUB_DISABLE_PROGRESS_BARS='1')
    os.environ.pop('MPLBACKEND', None)  # the kernel's inline backend shows figures as PNG
    # as nbdev_test: a notebook with `skip_exec: true` in its frontmatter, or beside a `.notest` file, is not run
    from fastcore.basics import str2bool
    from nbdev.frontmatter import FrontmatterProc
    from nbdev.process import NBProcessor
    fm = getattr(NBProcessor(src, procs=FrontmatterProc, process=True).nb, 'frontmatter_', {}) or {}
    not_run = str2bool(fm.get('skip_exec', False)) or (Path(src).parent / '.notest').exists()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')   # MissingIDFieldWarning: notebooks written as text have no cell ids
        nb = nbformat.read(src, as_version=4)
    for i, cell in enumerate(nb.cells): cell.setdefault('id', f'cell-{i}')
    skip = {i for i, c in enumerate(nb.cells) if c.cell_type == 'code' and (not_run or skip_reason(c.source, set(flags)))}
    global _CLIENT
    _CLIENT = client = _client_class()(nb, skip=skip, timeout=timeout, kernel_name='python3', allow_errors=False,
                             record_timing=True, resources={'metadata': {'path': str(Path(src).parent)}})
    log = Path(dst).with_suffix('.kernel.log'); log.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(log, 'w') as err: client.execute(stderr=err)  # the kernel's own log (not the cells' stderr)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        i = client.current
        code = nb.cells[i].source if i is not None else ''
        raise BuildError(f'{rel}: cell {i} failed ({type(e).__name__}).\n--- cell source ---\n{code}\n'
                         f'--- error ---\n{_clip(str(e))}') from None
    t_kernel = time.perf_counter() - t0
    # nbdev's docs processing (what `nbdev_docs`/`proc_nbs` run on each notebook), on the executed notebook
    from execnb.nbio import dict2nb, write_nb
    pnb = dict2nb(json.loads(nbformat.writes(nb)))
    pnb.path_ = src
    with warnings.catch_warnings():
        # nbdev warns, with the source, about each cell that mixes imports and other code: `_filters` runs only its imports
        warnings.simplefilter('ignore')
        try: _filters(rel, set(flags))(pnb)
        except BuildError: raise
        except Exception as e: raise BuildError(f'{rel}: nbdev docs processing failed: {e}') from None
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    write_nb(pnb, dst)
    return rel, t_kernel, time.perf_counter() - t0 - t_kernel, len(skip)


def _imports_only(src: str) -> str | None:
    "The top-level import statements of a cell that also does other things (None: nothing to strip)."
    import ast
    try: body = ast.parse(src).body
    except SyntaxError: return None
    imports = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))]
    if len(imports) == len(body): return None
    return '\n'.join(ast.get_source_segment(src, n) for n in imports)


def _filters(rel: str, flags: set[str]):
    """nbdev's `FilterDefaults`, with one change to `exec_show_docs`, which runs cells in-process to render show_doc:
    a cell that nbdev runs only because it imports gets its imports run, not its other code (nbdev runs the whole
    cell again: a whole training run, for some cells; and one that needs the notebook's earlier state fails). Cells
    that `nbdev_test` skips (`flags`) are not run. Every cell keeps the kernel's outputs; show_doc cells get nbdev's."""
    # `_is_showdoc` is private: nbdev (2.4.14, pinned in settings.ini) has no public test for "this cell calls show_doc"
    # (its public `clean_show_doc` only edits such cells). Importing it keeps the test identical to the one nbdev's
    # own processors apply to the same cells; a copy of its regex here could drift from nbdev's on an upgrade.
    from nbdev.processors import FilterDefaults, exec_show_docs, _is_showdoc
    show_dirs = {'export', 'exports', 'exporti', 'exec_doc'}

    class exec_show_docs_imports(exec_show_docs):
        def __call__(self, cell):
            if cell.cell_type != 'code': return super().__call__(cell)
            dirs = set(getattr(cell, 'directives_', {}) or {})
            if flags & dirs: return
            sd = bool(_is_showdoc(cell))
            keep, source = (None if sd else cell.get('outputs')), cell.source
            if not sd and not dirs & show_dirs: cell.source = _imports_only(source) or source
            try: super().__call__(cell)
            except Exception as e:
                raise BuildError(f'{rel}: cell {cell.idx_} failed when nbdev ran it for show_doc '
                                 f'({type(e.__cause__ or e).__name__}: {e.__cause__ or e}):\n{cell.source}') from None
            finally:
                cell.source = source
                if keep is not None: cell['outputs'] = keep

    class Filters(FilterDefaults):
        def base_procs(self): return [exec_show_docs_imports if p is exec_show_docs else p for p in super().base_procs()]
    return Filters()


def _hash_files(paths) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(ROOT)).encode()); h.update(p.read_bytes())
    return h.hexdigest()


def library_key() -> str:
    "What every notebook's outputs depend on besides itself: library sources, settings, tool versions."
    from importlib.metadata import version
    files = [p for p in (ROOT / 'codeit_nb').rglob('*') if p.is_file() and '__pycache__' not in p.parts]
    files += [ROOT / 'settings.ini']
    tools = ' '.join(f'{n}={version(n)}' for n in ('nbdev', 'nbclient', 'ipykernel', 'panel', 'bokeh', 'matplotlib'))
    return hashlib.sha256((_hash_files(files) + tools).encode()).hexdigest()


def execute_all(nbs: Path, rels: list[PurePosixPath], jobs: int, force: bool, timeout: int) -> dict:
    "Execute + process every notebook (cached); returns {rel: processed notebook path}."
    from nbdev.config import get_config
    flags = get_config().get('tst_flags', '').split()
    lib = library_key()
    timings_file = EXEC / 'timings.json'
    timings = json.loads(timings_file.read_text()) if timings_file.exists() else {}
    out, todo = {}, []
    for rel in rels:
        src, dst = nbs / rel, EXEC / rel
        key = hashlib.sha256((lib + _hash_files([src])).encode()).hexdigest()
        keyf = dst.with_suffix('.key')
        out[rel] = dst
        if not force and dst.exists() and keyf.exists() and keyf.read_text() == key:
            continue
        todo.append((rel, src, dst, keyf, key))
    if not todo:
        print(f'docs: all {len(rels)} executed notebooks are up to date (build/docs/exec)')
        return out
    # longest first (from the last build's timings) so that the workers finish together
    todo.sort(key=lambda t: -timings.get(str(t[0]), 60.0))
    threads = max(1, (os.cpu_count() or 2) // min(jobs, len(todo)))
    print(f'docs: executing {len(todo)} notebook(s), {jobs} at a time (skipping cells flagged {" ".join(flags)} or eval: false)',
          flush=True)
    t0, failed = time.perf_counter(), []
    # a fresh worker per notebook: nbdev's docs processing runs show_doc imports in the worker itself, and a worker that
    # had run ~30 notebooks hung twice (a futex wait, no kernel, 0 % CPU) on its last one
    pool = ProcessPoolExecutor(jobs, mp_context=get_context('spawn'), initializer=_worker_init, max_tasks_per_child=1)
    try:
        futs = {pool.submit(run_notebook, str(src), str(rel), str(dst), flags, timeout, threads): (rel, keyf, key)
                for rel, src, dst, keyf, key in todo}
        for fut in as_completed(futs):
            rel, keyf, key = futs[fut]
            try: _, secs, t_nbdev, nskip = fut.result()
            except Exception as e:   # as nbdev_test: go on with the others, report every failure at the end
                failed.append(str(e) if isinstance(e, BuildError) else f'{rel}: {type(e).__name__}: {e}')
                print(f'docs: FAILED {rel}', flush=True)
                continue
            keyf.write_text(key); timings[str(rel)] = round(secs + t_nbdev, 1)
            print(f'docs: executed {rel} in {secs:.0f} s, nbdev {t_nbdev:.0f} s'
                  + (f' ({nskip} cell(s) skipped as in nbdev_test)' if nskip else ''), flush=True)
    except BaseException:   # interrupted: the workers kill their kernels
        for proc in active_children(): proc.terminate()   # the pool's workers: this process starts no others
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    EXEC.mkdir(parents=True, exist_ok=True)
    timings_file.write_text(json.dumps(timings, indent=1, sort_keys=True))
    if failed:
        raise BuildError(f'{len(failed)} notebook(s) failed:\n\n' + '\n\n'.join(failed))
    print(f'docs: executed in {time.perf_counter() - t0:.0f} s', flush=True)
    return out


# ---------------------------------------------------------------------------------------------------------------------
# 3: the nbdev/Quarto notebook -> a plain notebook for mkdocs-jupyter

_QUARTO_OPT = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
_FM = re.compile(r'^\s*---\s*\n(.*?)\n---\s*$', re.S)
_SOURCE_LINK = re.compile(r'\[source\]\((\S+?)\)\{[^}]*\}')   # show_doc's `[source](url){target=... style=...}`
_FENCE = re.compile(r'^```.*?^```', re.S | re.M)
_CODE_LINK = re.compile(r'\[(`[^`\n]+`)\]\([^)\s]+\)')
_INLINE_CODE = re.compile(r'`([^`\n]+)`')
_HEADING = re.compile(r'^(#{1,6})[ \t]+(.+?)[ \t]*$', re.M)


def _outside_fences(text: str, f) -> str:
    "`text` with `f` applied to the parts outside fenced code blocks (a `# comment` line there is no heading)."
    out, last = [], 0
    for m in _FENCE.finditer(text):
        out += [f(text[last:m.start()]), m[0]]; last = m.end()
    return ''.join(out + [f(text[last:])])


def _slug(text: str) -> str:
    "The id mkdocs-jupyter gives a heading (its `slugify`)."
    from mkdocs_jupyter.utils import slugify
    return slugify(text)


class Vendor:
    "Maps Bokeh and Panel CDN URLs to files shipped inside the installed packages, copied under `assets/vendor/`."
    def __init__(self):
        import bokeh, panel
        self.bokeh_v, self.panel_v = bokeh.__version__, panel.__version__
        self.bokeh_js = Path(bokeh.__file__).parent / 'server' / 'static' / 'js'
        self.panel_dist = Path(panel.__file__).parent / 'dist'
        self.files: dict[str, Path] = {}   # site path -> source file
        self.missing: set[str] = set()
        self.bokeh_re = re.compile(r'https://cdn\.bokeh\.org/bokeh/(?:release|dev)/([a-z-]+?)-(\d[\w.-]*?)((?:\.min)?\.(?:js|css))')
        self.panel_re = re.compile(r'https://cdn\.holoviz\.org/panel/([^/"\'\s\\]+)/dist/([^"\'\s\\)]+)')

    def rewrite(self, text: str, up: str) -> str:
        "`text` with every Bokeh/Panel CDN URL replaced by `up` + the local copy's site path."
        def bokeh(m):
            name, ver, ext = m[1], m[2], m[3]
            src = self.bokeh_js / f'{name}{ext}'
            if ver != self.bokeh_v or not src.exists(): self.missing.add(m[0]); return m[0]
            site = f'{VENDOR}/bokeh-{ver}/{name}{ext}'
            self.files[site] = src
            return up + site

        def panel(m):
            ver, path = m[1], m[2]
            from urllib.parse import unquote
            src = self.panel_dist / unquote(path)
            if ver != self.panel_v or not src.is_file(): self.missing.add(m[0]); return m[0]
            site = f'{VENDOR}/panel-{ver}/{path}'
            self.files[site] = src
            return up + site
        return self.panel_re.sub(panel, self.bokeh_re.sub(bokeh, text))

    def copy(self, docs_dir: Path):
        from urllib.parse import unquote
        for site, src in self.files.items():
            dst = docs_dir / unquote(site)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)


class Converter:
    "Turns one nbdev-processed (Quarto-flavoured) notebook into a plain notebook for mkdocs-jupyter."
    def __init__(self, pages: dict[PurePosixPath, PurePosixPath], doc_url: str, vendor: Vendor):
        self.pages, self.doc_url, self.vendor = pages, doc_url.rstrip('/') + '/', vendor
        self.api_ids: dict[PurePosixPath, set[str]] = {}   # page -> anchors of its show_doc entries

    def collect(self, nb: dict, rel: PurePosixPath):
        "Note the API anchors (show_doc headings, lowercased as nbdev's doc links have them) of notebook `rel`."
        ids = self.api_ids.setdefault(self.pages[rel], set())
        for cell in nb['cells']:
            if cell['cell_type'] != 'code' or not re.search(r'^#\|\s*output:\s*asis', _src(cell), re.M): continue
            for o in cell.get('outputs', []):
                md = o.get('data', {}).get('text/markdown')
                if md: ids |= {m[2].replace('`', '').strip().lower() for m in _HEADING.finditer(''.join(md))}

    def links(self, text: str, rel: PurePosixPath, up: str) -> str:
        "Links to the docs host -> relative links; links to notebooks -> links to their pages."
        def doc_link(m):   # nbdev links every known name, also private ones that have no show_doc (no anchor)
            page, anchor = PurePosixPath(m[2]), m[3]
            if page in self.api_ids and anchor not in self.api_ids[page]: return m[1]
            return f'[{m[1]}]({up}{m[2]}#{anchor})'
        text = re.sub(r'\[([^\]\n]*)\]\(' + re.escape(self.doc_url) + r'([\w./-]+\.html)#([^)\s]+)\)', doc_link, text)
        text = text.replace(self.doc_url, up)

        def nb_link(m):
            target, anchor = m[2], m[3] or ''
            if '://' in target: return m[0]
            nb = PurePosixPath(os.path.normpath((rel.parent / target).as_posix()))
            page = self.pages.get(nb)
            if page is None: return m[0]
            return m[1] + os.path.relpath(page.as_posix(), rel.parent.as_posix() or '.') + anchor
        # markdown `](x.ipynb#a)` and html `href="x.ipynb#a"`
        return re.sub(r'(\]\(|href=["\'])([^)"\'\s#]+\.ipynb)(#[^)"\'\s]*)?', nb_link, text)

    def markdown(self, text: str, rel: PurePosixPath, up: str, api: bool = False) -> str:
        text = self.links(text, rel, up)
        # inline code in a heading as <code>: mkdocs-jupyter drops `code` from the headings of its table of contents
        # (so the TOC's ids would miss the page's), but keeps HTML
        code = lambda m: m[1] + ' ' + _INLINE_CODE.sub(lambda c: f'<code>{html.escape(c[1])}</code>', m[2])
        text = _outside_fences(text, lambda t: _HEADING.sub(code, t))
        # nbdev links names in show_doc output line by line, also inside the signature's code block: undo it there
        text = _FENCE.sub(lambda m: _CODE_LINK.sub(r'\1', m[0]), text)
        text = _SOURCE_LINK.sub(lambda m: f'<a class="nb-source" href="{m[1]}">source</a>', text)
        if api:  # show_doc headings: add the anchor the Quarto site has (and nbdev's doc links use): the lowercased name
            def anchor(m):
                name = m[2].replace('`', '').strip()
                a = name.lower()
                if re.fullmatch(r'[\w.]+', name) and a != _slug(name):
                    return f'<span class="nb-anchor" id="{a}"></span>\n\n{m[0]}'
                return m[0]
            text = _outside_fences(text, lambda t: _HEADING.sub(anchor, t))
        return text

    def convert(self, nb: dict, rel: PurePosixPath) -> dict:
        import yaml
        up = '../' * (len(rel.parts) - 1)
        cells = []
        nb.get('metadata', {}).pop('widgets', None)   # widget state can't render offline (its JS is on a CDN)
        for cell in nb['cells']:
            src = _src(cell)
            if cell['cell_type'] == 'raw':
                m = _FM.match(src)
                if not m: continue
                fm = yaml.safe_load(m[1]) or {}
                if fm.get('title'):
                    md = f"# {fm['title']}\n"
                    if fm.get('description'):   # HTML: mkdocs-jupyter's markdown would not go inside it; `code` by hand
                        desc = _INLINE_CODE.sub(r'<code>\1</code>', html.escape(str(fm['description']), quote=False))
                        md += f'\n<p class="nb-description">{desc}</p>\n'
                    cells.append(_md_cell(self.markdown(md, rel, up)))
                continue
            if cell['cell_type'] == 'markdown':
                if src.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
                cell['source'] = self.markdown(src, rel, up)
                cells.append(cell)
                continue
            # code: Quarto cell options, then outputs
            opts, lines = {}, src.splitlines()
            while lines and _QUARTO_OPT.match(lines[0]):
                k, v = _QUARTO_OPT.match(lines[0]).groups(); opts[k] = v.strip('"\''); lines.pop(0)
            if opts.get('include') == 'false': continue
            cell['source'] = '\n'.join(lines).strip('\n')
            if opts.get('output') == 'false': cell['outputs'] = []
            api = opts.get('output') == 'asis'
            cell['outputs'] = [o for o in (self.output(o, rel, up, api) for o in cell.get('outputs', [])) if o]
            hide_source = opts.get('echo') == 'false' or not cell['source'].strip()
            if hide_source and not cell['outputs']: continue
            if hide_source: cell.setdefault('metadata', {}).setdefault('transient', {})['remove_source'] = True
            cells.append(cell)
        nb['cells'] = cells
        return nb

    def output(self, o: dict, rel, up, api: bool) -> dict | None:
        if o.get('output_type') not in ('display_data', 'execute_result'): return o
        data = o.get('data', {})
        if 'application/vnd.jupyter.widget-view+json' in data:   # an ipywidget: needs a kernel
            if re.search(r'\d+%\|', ''.join(data.get('text/plain', ''))): return None   # a progress bar: drop it
            o['data'] = {'text/html': WIDGET_NOTE}
            return o
        for mime in ('text/html', 'application/javascript', 'text/markdown'):
            if mime not in data: continue
            text = ''.join(data[mime]) if isinstance(data[mime], list) else data[mime]
            text = self.vendor.rewrite(text, up)
            if mime == 'text/markdown': text = self.markdown(text, rel, up, api=api)
            elif mime == 'text/html': text = self.links(text, rel, up)
            data[mime] = text
        return o if data else None


WIDGET_NOTE = ('<div class="nb-widget-note">An interactive widget is shown here when the notebook runs in '
               'Jupyter (it needs a live kernel).</div>')


def _md_cell(text: str) -> dict:
    return {'cell_type': 'markdown', 'metadata': {}, 'source': text}


# ---------------------------------------------------------------------------------------------------------------------
# 4: MkDocs

SITE_CSS = """\
/* codeit_nb docs site (MkDocs + material + mkdocs-jupyter), written by tools/build_docs.py */
.md-typeset .nb-description { font-size: 1.15em; font-style: italic; opacity: .75; margin-top: -.6em; }
.md-typeset .nb-source { float: right; font-size: .75em; }
.md-typeset .nb-anchor { display: block; position: relative; top: -4rem; visibility: hidden; }
.md-typeset [id] { scroll-margin-top: 4rem; }
/* notebooks: no prompts, quiet cells, outputs under a thin rule (as the Quarto site's styles.css does) */
.jupyter-wrapper .jp-Cell { padding: 0 !important; margin-bottom: .6rem; }
.jupyter-wrapper .jp-OutputArea-output pre { border-left: 2px solid lightsalmon; padding-left: .6rem; }
.jupyter-wrapper .jp-RenderedImage img, .md-typeset .jp-RenderedImage img { max-width: 100%; height: auto; }
.jupyter-wrapper .jp-RenderedMarkdown hr { margin: 1.6rem 0 .4rem; }
.md-grid { max-width: 1440px; }
.jupyter-wrapper .jp-RenderedMarkdown pre, .jupyter-wrapper .jp-RenderedMarkdown pre code {
  font-size: var(--jp-code-font-size, 13px); line-height: var(--jp-code-line-height, 1.4); }
.nb-widget-note { border: 1px dashed #bbb; border-radius: 4px; padding: .4rem .8rem; color: #666; font-style: italic; }
"""


def mkdocs_config(nav: list, out: Path, site_name: str, description: str) -> dict:
    return {
        'site_name': site_name,
        'site_description': description,
        'docs_dir': str(SRC),
        'site_dir': str(out),
        'use_directory_urls': False,   # data.ipynb -> data.html, as Quarto names pages (nbdev's doc links use these)
        'strict': False,
        'theme': {
            'name': 'material',
            'font': False,             # no Google Fonts: the site works offline
            'features': ['navigation.sections', 'navigation.top', 'navigation.footer', 'search.highlight',
                         'toc.follow'],
            'palette': {'scheme': 'default', 'primary': 'indigo', 'accent': 'indigo'},
        },
        'plugins': [
            'search',
            {'mkdocs-jupyter': {
                'execute': False,              # the notebooks were executed by this script
                'include': ['*.ipynb'],
                'include_requirejs': False,
                'no_prompt': True,
                'ignore_h1_titles': True,      # page titles are the nav's: each notebook's first `# Title`
                'toc_depth': 3,
                'cache': True,
                'cache_dir': str(BUILD / 'mkdocs-jupyter-cache'),
            }},
        ],
        'hooks': [str(ROOT / 'tools' / 'docs_hooks.py')],
        'extra_css': ['assets/site.css'],
        'nav': nav,
    }


def build(args) -> None:
    from nbdev.config import get_config
    import yaml
    cfg = get_config()
    nbs = Path(cfg.nbs_path)
    rels = find_notebooks(nbs)
    if args.only:
        rels = [r for r in rels if any(re.search(p, str(r)) for p in args.only)]
    if not rels: raise BuildError(f'no notebooks found in {nbs}')
    t0 = time.perf_counter()
    processed = execute_all(nbs, rels, args.jobs, args.force, args.timeout)
    t_exec = time.perf_counter() - t0
    if args.execute_only:
        print(f'docs: {len(rels)} notebooks executed and processed into {EXEC.relative_to(ROOT)} in {t_exec:.0f} s (not rendered)')
        return

    # 3: convert into the MkDocs docs dir
    if SRC.exists(): shutil.rmtree(SRC)
    (SRC / 'assets').mkdir(parents=True)
    pages = {r: page_path(r) for r in rels}
    doc_url = f"{cfg.doc_host.rstrip('/')}{cfg.doc_baseurl.rstrip('/')}/"
    vendor = Vendor()
    conv = Converter(pages, doc_url, vendor)
    titles, nbs_done = {}, {rel: json.loads(processed[rel].read_text()) for rel in rels}
    for rel in rels: conv.collect(nbs_done[rel], rel)
    for rel in rels:
        titles[rel] = nb_title(json.loads((nbs / rel).read_text()), rel.stem)
        nb = conv.convert(nbs_done[rel], rel)
        dst = SRC / pages[rel].with_suffix('.ipynb')
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(json.dumps(nb, indent=1))
    if vendor.missing:
        raise BuildError('outputs load files that the installed packages do not ship (a version mismatch?):\n  '
                         + '\n  '.join(sorted(vendor.missing)))
    vendor.copy(SRC)
    (SRC / 'assets' / 'site.css').write_text(SITE_CSS)
    if (nbs / 'images').is_dir(): shutil.copytree(nbs / 'images', SRC / 'images')  # pictures in the notebooks' text

    def entry(rel): return {titles[rel]: pages[rel].with_suffix('.ipynb').as_posix()}
    index = [r for r in rels if str(r) == 'index.ipynb']
    chapters = [r for r in rels if len(r.parts) == 1 and str(r) != 'index.ipynb']
    tutorials = [r for r in rels if r.parts[0] == 'tutorials']
    others = [r for r in rels if r not in index + chapters + tutorials]
    nav = [{'Home': pages[index[0]].with_suffix('.ipynb').as_posix()}] if index else []
    if chapters: nav.append({'Chapters': [entry(r) for r in chapters]})
    if tutorials: nav.append({'Tutorials': [entry(r) for r in tutorials]})
    if others: nav.append({'More': [entry(r) for r in others]})
    out = Path(args.out).resolve()
    conf = mkdocs_config(nav, out, cfg.lib_name, cfg.get('description', ''))
    (BUILD / 'mkdocs.yml').write_text('# generated by tools/build_docs.py: do not edit\n' + yaml.safe_dump(conf, sort_keys=False))

    # 4: render
    t1 = time.perf_counter()
    mk = [sys.executable, '-m', 'mkdocs', 'build', '--clean', '-f', str(BUILD / 'mkdocs.yml')]
    if not args.verbose: mk.append('--quiet')
    r = subprocess.run(mk, cwd=ROOT, env={**os.environ, 'NO_MKDOCS_2_WARNING': '1'})
    if r.returncode: raise BuildError(f'mkdocs build failed (exit {r.returncode})')
    print(f'docs: {len(rels)} pages in {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} '
          f'(execute {t_exec:.0f} s, render {time.perf_counter() - t1:.0f} s)')


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--out', default=str(ROOT / '_docs'), help='site directory (default _docs/)')
    p.add_argument('--jobs', type=int, default=2, help='notebooks executed at once (default 2)')
    p.add_argument('--timeout', type=int, default=900, help='seconds one cell may run (default 900)')
    p.add_argument('--force', action='store_true', help='execute every notebook again, ignoring build/docs/exec/')
    p.add_argument('--only', nargs='*', help='regexes: build only the notebooks whose path matches one (for a quick look)')
    p.add_argument('--verbose', action='store_true', help="show mkdocs' log")
    p.add_argument('--execute-only', action='store_true',
                   help="steps 1 and 2 only: run every notebook's tests (what `make test` does) and keep the results for the site")
    args = p.parse_args(argv)
    os.chdir(ROOT)
    import signal
    signal.signal(signal.SIGTERM, signal.default_int_handler)   # cleaned up like Ctrl-C
    try: build(args)
    except BuildError as e:
        print(f'docs: error: {e}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('docs: interrupted', file=sys.stderr)
        return 130
    return 0


if __name__ == '__main__':
    # run as the module `build_docs`, so that worker processes find `run_notebook` by that name (IPython, which nbdev
    # runs in the workers for show_doc, replaces their `__main__`)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import build_docs
    sys.exit(build_docs.main())
