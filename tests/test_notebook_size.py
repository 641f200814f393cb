"""Notebooks stay small: a committed notebook (nbs/, outputs stripped) and an executed one (what `make test` runs into
build/docs/exec/, when it is there) are at most 1 MB each; serving the dashboard from a kernel writes nothing of
Panel's into the notebook (it once wrote Panel's JavaScript, 3.5 MB, into the running cell for each browser session);
in a kernel that a Jupyter server started, `extension()` writes only Panel's small loader, which loads Bokeh's and
Panel's files from that server (Panel's Jupyter server extension), never their 3.5 MB (it once embedded them). And the
committed notebooks' metadata is what JupyterLab writes as their kernel starts, so that they open unmodified.
"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from _net import free_port

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 1_000_000  # bytes
EXECUTED = ROOT / 'build' / 'docs' / 'exec'


def _too_big(paths) -> list:
    return [f'{p.relative_to(ROOT)}: {p.stat().st_size / 1e6:.1f} MB' for p in paths if p.stat().st_size > LIMIT]


def test_committed_notebooks_are_small():
    nbs = sorted((ROOT / 'nbs').rglob('*.ipynb'))
    assert nbs
    assert not _too_big(nbs), f'notebooks over 1 MB (outputs committed? run `make sync`): {_too_big(nbs)}'


def test_executed_notebooks_are_small():
    nbs = sorted(EXECUTED.rglob('*.ipynb')) if EXECUTED.is_dir() else []
    if not nbs: pytest.skip('no executed notebooks in build/docs/exec (make test or make docs writes them)')
    assert not _too_big(nbs), f'executed notebooks over 1 MB: {_too_big(nbs)}'


def _cell_bytes(nb, k) -> int:
    return len(json.dumps(nb.cells[k].get('outputs', [])))


def _execute(cells: list, cwd: Path, **env):
    "A notebook of `cells`, executed in a kernel of this environment (this checkout's codeit_nb; `env` added)."
    nbformat = pytest.importorskip('nbformat')
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    kernel_env = {k: v for k, v in os.environ.items() if k != 'IN_TEST'}  # as in JupyterLab: no IN_TEST
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get('PYTHONPATH')) if p)  # this checkout's codeit_nb
    kernel_env.update(OMP_NUM_THREADS='1', PYTHONPATH=path, **env)
    old = dict(os.environ)
    os.environ.clear(); os.environ.update(kernel_env)  # (the kernel inherits this process's environment)
    client = NotebookClient(nb, timeout=300, kernel_name='python3', resources={'metadata': {'path': str(cwd)}})
    try: client.execute()
    finally: os.environ.clear(); os.environ.update(old)
    return nb


def test_serving_from_a_kernel_writes_nothing_into_the_notebook(tmp_path):
    "A notebook (a real kernel, Panel's resources inline as `extension()` loads them) serves the dashboard: two page loads."
    from codeit_nb.testing import synthetic_store
    synthetic_store(tmp_path / 'run', n_samples=48, n_tasks=4, iterations=2)
    cells = ['from codeit_nb.dashboard_charts import extension\nfrom codeit_nb.dashboard import serve\nimport urllib.request\nextension("tabulator")',
             f'serving = serve({str(tmp_path / "run")!r}, port=0, block=False)\n'
             'try:\n'
             '    for _ in range(2):\n'
             '        with urllib.request.urlopen(serving.url, timeout=60) as page: assert page.status == 200\n'
             'finally: serving.stop()\n'
             'print(serving.url)']
    nb = _execute(cells, tmp_path, JUPYTER_RUNTIME_DIR=str(tmp_path / 'runtime'))  # (no Jupyter server started it)
    assert _cell_bytes(nb, 0) > 1_000_000  # (the notebook's own `extension()`: Panel's JavaScript once, by design)
    assert _cell_bytes(nb, 1) < 2_000, [o.get('output_type') for o in nb.cells[1].outputs]  # the URL, nothing else
    assert nb.cells[1].outputs[0]['text'].startswith('http://127.0.0.1:')


@pytest.fixture
def jupyter_server(tmp_path):
    """A Jupyter server (this environment's, with Panel's server extension) on loopback, and a runtime folder in which
    it appears to be this process: the kernels this test starts take it for the server that started them."""
    runtime, port = tmp_path / 'runtime', free_port()
    env = {**os.environ, 'JUPYTER_RUNTIME_DIR': str(runtime), 'JUPYTER_CONFIG_DIR': str(tmp_path / 'config')}
    with open(tmp_path / 'server.log', 'w') as log:
        proc = subprocess.Popen([sys.executable, '-m', 'jupyter_server', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
                                 '--port-retries=0', '--IdentityProvider.token=t', f'--ServerApp.root_dir={tmp_path}',
                                 *(['--allow-root'] if os.geteuid() == 0 else [])],
                                env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        info_file, deadline = runtime / f'jpserver-{proc.pid}.json', time.time() + 120
        while not info_file.exists():
            assert proc.poll() is None and time.time() < deadline, (tmp_path / 'server.log').read_text()[-3000:]
            time.sleep(0.3)
        time.sleep(0.5)  # (written, not half written)
        info = json.loads(info_file.read_text())
        (runtime / f'jpserver-{os.getpid()}.json').write_text(json.dumps({**info, 'pid': os.getpid()}))
        yield runtime, info
    finally:
        proc.terminate()
        try: proc.wait(30)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait()


def test_extension_loads_panel_from_the_jupyter_server(tmp_path, jupyter_server):
    """In a kernel a Jupyter server started, `extension()` writes Panel's loader with the server's addresses (small),
    and a view shown after it links Panel's stylesheets on the server too: nothing on a CDN, nothing embedded."""
    runtime, info = jupyter_server
    cells = ['from codeit_nb.dashboard_charts import extension\nimport panel as pn, pandas as pd\nextension("tabulator")',
             'pn.Column(pn.pane.Markdown("# x"), pn.widgets.Tabulator(pd.DataFrame({"a": [1, 2]})))',
             'print(pn.config.inline)']
    nb = _execute(cells, tmp_path, JUPYTER_RUNTIME_DIR=str(runtime))
    loader = json.dumps(nb.cells[0].outputs)
    assert _cell_bytes(nb, 0) < 100_000, _cell_bytes(nb, 0)  # (embedded: 7 MB)
    assert '/panel-preview/static/js/bokeh.min.js' in loader and '/panel_dist/panel.min.js' in loader
    assert _cell_bytes(nb, 1) < 50_000, _cell_bytes(nb, 1)
    assert '/panel_dist/' in json.dumps(nb.cells[1].outputs)
    for k in range(2):
        cdn = sorted(set(re.findall(r'https://cdn\.(?:bokeh|holoviz)\.org[^"\'\s\\]*', json.dumps(nb.cells[k].outputs))))
        assert not cdn, (k, cdn[:5])
    assert nb.cells[2].outputs[0]['text'].strip() == 'False'
    base = info['url'].rstrip('/')
    for url in re.findall(r'/(?:panel_dist|panel-preview/static)/[^"\'\s\\?]+\.(?:js|css)', loader):
        with urllib.request.urlopen(base + url, timeout=30) as r: assert r.status == 200, url  # the server has each


# What JupyterLab writes into a notebook's metadata as the project's kernel (Makefile: `make venv`) starts: its spec,
# and its language_info, which that kernel reports without the Python version. The committed notebooks hold exactly
# this (nbdev_clean keeps both: settings.ini), so JupyterLab opens them unmodified (tests/test_jupyterlab.py).
KERNELSPEC = {'display_name': 'python3', 'language': 'python', 'name': 'python3'}
LANGUAGE = {'codemirror_mode': {'name': 'ipython', 'version': 3}, 'file_extension': '.py', 'mimetype': 'text/x-python',
            'name': 'python', 'nbconvert_exporter': 'python', 'pygments_lexer': 'ipython3'}


def test_committed_notebooks_hold_what_jupyterlab_writes():
    nbs = sorted((ROOT / 'nbs').rglob('*.ipynb'))
    other = [str(p.relative_to(ROOT)) for p in nbs
             if json.loads(p.read_text())['metadata'] != {'kernelspec': KERNELSPEC, 'language_info': LANGUAGE}]
    assert not other, f'notebooks whose metadata JupyterLab would change on opening them: {other}'


def test_the_kernel_reports_what_the_notebooks_hold():
    "The kernel the notebooks name (python3, of this environment) has the spec and reports the language they hold."
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name='python3', env={**os.environ, 'OMP_NUM_THREADS': '1'})
    try: language = kc.kernel_info(reply=True, timeout=60)['content']['language_info']
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    spec = km.kernel_spec
    got = {'kernelspec': {'display_name': spec.display_name, 'language': spec.language, 'name': 'python3'},
           'language_info': language}
    assert got == {'kernelspec': KERNELSPEC, 'language_info': LANGUAGE}, \
        f'{spec.resource_dir}: not the kernel `make venv` installs (run it again): {got}'
