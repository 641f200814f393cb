"""Notebooks stay small: a committed notebook (nbs/, outputs stripped) and an executed one (what `make test` runs into
build/docs/exec/, when it is there) are at most 1 MB each; and serving the dashboard from a kernel writes nothing of
Panel's into the notebook (it once wrote Panel's JavaScript, 3.5 MB, into the running cell for each browser session).
"""
import json
import os
import sys
import urllib.request
from pathlib import Path

import pytest

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


def test_serving_from_a_kernel_writes_nothing_into_the_notebook(tmp_path):
    "A notebook (a real kernel, Panel's resources inline as `extension()` loads them) serves the dashboard: two page loads."
    nbformat = pytest.importorskip('nbformat')
    from nbclient import NotebookClient
    from codeit_nb.testing import synthetic_store
    synthetic_store(tmp_path / 'run', n_samples=48, n_tasks=4, iterations=2)
    cells = ['from codeit_nb.dashboard_charts import extension\nfrom codeit_nb.dashboard import serve\nimport urllib.request\nextension("tabulator")',
             f'serving = serve({str(tmp_path / "run")!r}, port=0, block=False)\n'
             'try:\n'
             '    for _ in range(2):\n'
             '        with urllib.request.urlopen(serving.url, timeout=60) as page: assert page.status == 200\n'
             'finally: serving.stop()\n'
             'print(serving.url)']
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env = {k: v for k, v in os.environ.items() if k != 'IN_TEST'}  # inline resources, as in JupyterLab
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get('PYTHONPATH')) if p)  # this checkout's codeit_nb
    env.update(OMP_NUM_THREADS='1', PYTHONPATH=path)
    old = dict(os.environ)
    os.environ.clear(); os.environ.update(env)  # (the kernel inherits this process's environment)
    client = NotebookClient(nb, timeout=300, kernel_name='python3', resources={'metadata': {'path': str(tmp_path)}})
    try: client.execute()
    finally: os.environ.clear(); os.environ.update(old)
    assert _cell_bytes(nb, 0) > 1_000_000  # (the notebook's own `extension()`: Panel's JavaScript once, by design)
    assert _cell_bytes(nb, 1) < 2_000, [o.get('output_type') for o in nb.cells[1].outputs]  # the URL, nothing else
    assert nb.cells[1].outputs[0]['text'].startswith('http://127.0.0.1:')
