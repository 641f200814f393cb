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


def pytest_collection_modifyitems(config, items):
    import os
    if config.getoption('--runslow') or os.environ.get('CODEIT_SLOW') == '1': return
    skip = pytest.mark.skip(reason='slow: run with --runslow or CODEIT_SLOW=1')
    for item in items:
        if 'slow' in item.keywords: item.add_marker(skip)
