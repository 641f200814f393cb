"""Shared helpers for the pytest suite (the notebooks hold the main examples and checks)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def codeit_exe() -> str:
    "The `codeit` console script of the environment running the tests."
    exe = Path(sys.executable).with_name('codeit')
    return str(exe) if exe.exists() else shutil.which('codeit')


def one_line_error(r, *parts):
    "Assert that the finished `codeit` process `r` exited 2 with one line `codeit: error: ...` holding every one of `parts`."
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.startswith('codeit: error: ') and r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr, r.stderr
    for p in parts: assert str(p) in r.stderr, (p, r.stderr)


@pytest.fixture
def codeit():
    "Run `codeit ARGS...` as a subprocess; returns the CompletedProcess (text mode)."
    exe = codeit_exe()
    assert exe, 'the codeit console script is not installed (pip install -e .)'
    def run(*args, cwd=None):
        return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd)
    return run


def pytest_addoption(parser):
    parser.addoption('--runslow', action='store_true', default=False, help='run tests marked slow (also: CODEIT_SLOW=1)')


def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: long benchmarks (the chaos test); skipped unless --runslow or CODEIT_SLOW=1')


# `make test` runs the suite on two workers (pytest-xdist, `-n 2`): a test goes to whichever worker is free, except that
# the tests of one group stay together on one worker, in order: one JupyterLab server whose last test checks that
# stopping it leaves nothing running; one local Ray cluster (two at once would each claim both CPUs); a run or a
# training (13-20 s) made once and shared by the group's tests, rather than once per worker.
ONE_WORKER = {'test_jupyterlab': 'jupyterlab', 'test_ray': 'ray', 'test_export': 'export', 'test_subword': 'subword',
              'test_submission': 'micro_run', 'test_store_damage': 'micro_run'}  # module: its group


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: without it installed, never called
def pytest_xdist_make_scheduler(config, log):
    """xdist's scheduling by scope, a scope being a test alone or a group of `ONE_WORKER` (groups, the larger ones,
    first). Not `--dist loadgroup` with `xdist_group` marks: pytest-xdist 3.8 names a group by changing `item._nodeid`,
    which pytest 9 no longer reads, so the marks group nothing."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split('::')[0].rsplit('/', 1)[-1].removesuffix('.py')
            return ONE_WORKER.get(module, nodeid)
    return GroupScheduling(config, log)


@pytest.fixture(scope='session')
def micro_run(tmp_path_factory):
    """A finished micro run of one iteration (`codeit run --preset micro --set iterations=1`), made once:
    tests/test_submission.py reads it, tests/test_store_damage.py damages copies of it."""
    d = tmp_path_factory.mktemp('micro') / 'run'
    r = subprocess.run([codeit_exe(), 'run', '--preset', 'micro', '--out', str(d), '--set', 'iterations=1', '--json'],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return d


def pytest_collection_modifyitems(config, items):
    import os
    if config.getoption('--runslow') or os.environ.get('CODEIT_SLOW') == '1': return
    skip = pytest.mark.skip(reason='slow: run with --runslow or CODEIT_SLOW=1')
    for item in items:
        if 'slow' in item.keywords: item.add_marker(skip)
