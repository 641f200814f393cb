"""Issue #30, checked from outside as a user (or someone with write access to a run directory) would meet it:
the run directory's writer lock, an empty `--out`, and how `codeit` ends on Ctrl-C or SIGTERM."""
import os
import signal
import sqlite3
import subprocess
import time
from contextlib import closing

import pytest

from conftest import codeit_exe, one_line_error

FAST = ('--set', 'iterations=0', 'no_pretrain=true', 'mutation_candidates=false')  # a run that stops after seeding the buffer




def test_lock_symlink_is_never_written_through(codeit, tmp_path):
    out, victim = tmp_path / 'run', tmp_path / 'victim.txt'
    out.mkdir()
    victim.write_text('precious\n')
    (out / '.lock').symlink_to(victim)
    one_line_error(codeit('run', '--preset', 'micro', '--out', out, *FAST), f"{out / '.lock'}")
    assert victim.read_text() == 'precious\n' and not (out / 'run.db').exists()
    (out / '.lock').unlink()
    assert codeit('run', '--preset', 'micro', '--out', out, *FAST).returncode == 0  # the run, then a link planted in it
    (out / '.lock').unlink()
    (out / '.lock').symlink_to(victim)
    one_line_error(codeit('run', '--resume', '--out', out), f"{out / '.lock'}")
    assert victim.read_text() == 'precious\n'



def test_links_planted_inside_an_output_directory_are_refused(codeit, tmp_path):
    """A run or baseline directory from someone else with a link inside (a linked `ckpt/`, `tasks/`, a file): one line
    naming the link, and nothing is written where it points."""
    elsewhere, victim = tmp_path / 'elsewhere', tmp_path / 'victim.txt'
    elsewhere.mkdir(); victim.write_text('precious\n')
    out = tmp_path / 'run'
    assert codeit('run', '--preset', 'micro', '--out', out, *FAST).returncode == 0
    (out / 'ckpt').mkdir(exist_ok=True); (out / 'ckpt' / 'iter-0000').symlink_to(elsewhere)
    one_line_error(codeit('run', '--resume', '--out', out), f"{out / 'ckpt' / 'iter-0000'}: a symbolic link inside")
    base = tmp_path / 'base'
    base.mkdir(); (base / 'tasks').symlink_to(elsewhere)
    one_line_error(codeit('baseline', '--samples', '5', '--out', base), f"{base / 'tasks'}: a symbolic link inside")
    (base / 'tasks').unlink(); base.joinpath('baseline.json').symlink_to(victim)
    one_line_error(codeit('baseline', '--samples', '5', '--out', base), f"{base / 'baseline.json'}: a symbolic link")
    assert victim.read_text() == 'precious\n' and list(elsewhere.iterdir()) == []


def test_removing_the_lock_file_admits_no_second_writer(codeit, tmp_path):
    from dataclasses import replace
    from codeit_nb.loop import Loop
    from codeit_nb.loop_config import MICRO
    from codeit_nb.run_dir import RunBusyError, writer_lock, writer_pid
    out = tmp_path / 'run'
    lp = Loop(out, replace(MICRO, iterations=0, no_pretrain=True, mutation_candidates=False), progress=False)
    try:
        os.remove(out / '.lock')
        with pytest.raises(RunBusyError, match='is being written by pid'): writer_lock(out)
        assert writer_pid(out) is not None
        one_line_error(codeit('run', '--resume', '--out', out), f'{out} is being written by pid')  # another process too
    finally: lp.close()
    writer_lock(out).close()  # let go: free again


@pytest.mark.parametrize('args', [
    ('run', '--preset', 'micro', *FAST),
    ('pretrain', '--preset', 'micro'),
    ('baseline', '--samples', '8'),
    ('mutate', '--samples', '8'),
    ('bench', 'learn', '--preset', 'micro'),
    ('bench', 'eval', '--preset', 'micro'),
    ('bench', 'ra3', '--preset', 'micro'),
    ('bench', 'priority', '--preset', 'micro'),
])
def test_empty_out_is_refused(codeit, tmp_path, args):
    r = codeit(*args, '--out', '', cwd=tmp_path)  # `--out "$OUT"` with OUT unset
    one_line_error(r)
    assert r.stderr == 'codeit: error: --out: empty; name a directory\n'
    assert list(tmp_path.iterdir()) == []  # nothing written in the current directory


def _has_config(db) -> bool:
    "Whether the run store `db` exists and holds the run's configuration."
    if not db.exists(): return False
    try:
        with closing(sqlite3.connect(f'file:{db}?mode=ro', uri=True, timeout=0.1)) as c:
            return c.execute("SELECT 1 FROM meta WHERE key = 'config'").fetchone() is not None
    except sqlite3.Error: return False  # not created yet, or busy


@pytest.mark.parametrize('sig, code', [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_ends_with_one_line_and_resumes(tmp_path, sig, code):
    out = tmp_path / 'run'
    # (no pretraining: the signal comes as the run starts seeding its buffer; the resume then runs both iterations)
    p = subprocess.Popen([codeit_exe(), 'run', '--preset', 'micro', '--out', str(out), '--json', '--set', 'no_pretrain=true'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 240
        while not _has_config(out / 'run.db'):  # the run has committed something (its configuration)
            assert p.poll() is None, p.stderr.read()
            assert time.time() < deadline, 'the run did not start'
            time.sleep(0.05)
        p.send_signal(sig)
        err = p.communicate(timeout=120)[1]
    finally:
        if p.poll() is None: p.kill()
    assert p.returncode == code, (p.returncode, err)
    assert err.count('\n') == 1 and 'Traceback' not in err, err
    assert err.startswith('codeit: interrupted') and 'kept' in err and f'codeit run --resume --out {out}' in err, err
    r = subprocess.run([codeit_exe(), 'run', '--resume', '--out', str(out), '--json'], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
