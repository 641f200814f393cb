"""Issue #30, checked from outside as a user (or someone with write access to a run directory) would meet it:
the run directory's writer lock."""
import os

import pytest

FAST = ('--set', 'iterations=0', 'no_pretrain=true', 'mutation_candidates=false')  # a run that stops after seeding the buffer


def _one_line_error(r, *words):
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.startswith('codeit: error: ') and r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr, r.stderr
    for w in words: assert w in r.stderr, r.stderr


def test_lock_symlink_is_never_written_through(codeit, tmp_path):
    out, victim = tmp_path / 'run', tmp_path / 'victim.txt'
    out.mkdir()
    victim.write_text('precious\n')
    (out / '.lock').symlink_to(victim)
    _one_line_error(codeit('run', '--preset', 'micro', '--out', out, *FAST), f"{out / '.lock'}")
    assert victim.read_text() == 'precious\n' and not (out / 'run.db').exists()
    (out / '.lock').unlink()
    assert codeit('run', '--preset', 'micro', '--out', out, *FAST).returncode == 0  # the run, then a link planted in it
    (out / '.lock').unlink()
    (out / '.lock').symlink_to(victim)
    _one_line_error(codeit('run', '--resume', '--out', out), f"{out / '.lock'}")
    assert victim.read_text() == 'precious\n'


def test_removing_the_lock_file_admits_no_second_writer(codeit, tmp_path):
    from dataclasses import replace
    from codeit_nb.loop import Loop, MICRO, RunBusyError, writer_lock, writer_pid
    out = tmp_path / 'run'
    lp = Loop(out, replace(MICRO, iterations=0, no_pretrain=True, mutation_candidates=False), progress=False)
    try:
        os.remove(out / '.lock')
        with pytest.raises(RunBusyError, match='is being written by pid'): writer_lock(out)
        assert writer_pid(out) is not None
        _one_line_error(codeit('run', '--resume', '--out', out), f'{out} is being written by pid')  # another process too
    finally: lp.close()
    writer_lock(out).close()  # let go: free again
