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


@pytest.fixture
def codeit():
    "Run `codeit ARGS...` as a subprocess; returns the CompletedProcess (text mode)."
    exe = codeit_exe()
    assert exe, 'the codeit console script is not installed (pip install -e .)'
    def run(*args, cwd=None):
        return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd)
    return run
