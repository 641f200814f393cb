"""A damaged run store is refused in one line naming run.db (issue 30): random bytes in the middle of a finished run.db,
a table of the schema dropped; a healthy store that another process is writing is not called damaged."""
import random
import shutil
import sqlite3
import subprocess
import sys

import pytest


@pytest.fixture(scope='module')
def finished(micro_run):
    "A finished micro run (one iteration; conftest's `micro_run`, shared with test_submission); tests work on copies."
    return micro_run


@pytest.fixture
def run_copy(finished, tmp_path):
    "A copy of the finished run (its run.db holds every committed step: the loop moved its log into it)."
    d = tmp_path / 'run'
    shutil.copytree(finished, d, ignore=shutil.ignore_patterns('.lock', 'run.db-wal', 'run.db-shm'))
    return d


def _one_line(r, *words):
    "`r` failed with exit 2 and one line on stderr holding every word."
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr)
    assert r.stderr.count('\n') == 1 and all(w in r.stderr for w in words), r.stderr


def _corrupt_middle(db, n=8192, seed=30):
    "Overwrite `n` bytes in the middle of `db` with seeded random bytes."
    data = bytearray(db.read_bytes())
    mid = len(data) // 2
    data[mid:mid + n] = random.Random(seed).randbytes(n)
    db.write_bytes(bytes(data))


def test_random_bytes_in_the_middle_are_refused(run_copy, codeit):
    db = run_copy / 'run.db'
    _corrupt_middle(db)
    try: rows = [r[0] for r in sqlite3.connect(db).execute('PRAGMA quick_check')]
    except sqlite3.DatabaseError as e: rows = [str(e)]
    assert rows != ['ok'], rows  # SQLite itself sees the damage
    _one_line(codeit('results', run_copy), 'run.db: damaged (quick_check:')
    _one_line(codeit('results', run_copy, '--json'), 'run.db: damaged (quick_check:')
    _one_line(codeit('run', '--resume', '--out', run_copy), 'run.db: damaged (quick_check:')


def test_a_dropped_table_is_named(run_copy, codeit):
    db = sqlite3.connect(run_copy / 'run.db')
    db.execute('DROP TABLE samples')
    db.commit()
    db.close()
    _one_line(codeit('results', run_copy), 'run.db', 'table samples is missing')
    _one_line(codeit('run', '--resume', '--out', run_copy), 'run.db', 'table samples is missing')


def test_a_store_being_written_is_not_damaged(run_copy, codeit):
    "Commits still in the write-ahead log and a write transaction open in another process: `codeit results` reads as usual."
    writer = subprocess.Popen([sys.executable, '-c', f'''
import sqlite3, sys
db = sqlite3.connect({str(run_copy / 'run.db')!r}, isolation_level=None)
db.execute('PRAGMA journal_mode=WAL'); db.execute('PRAGMA wal_autocheckpoint=0')
for i in range(200):  # committed, in the log only
    db.execute("INSERT INTO samples(iteration, task_id, program, demo_acc, rewards, error, outputs) VALUES (0, 't', ?, 0, '[]', NULL, '[]')", ('x' * 3000,))
db.execute('BEGIN IMMEDIATE')
db.execute("INSERT INTO meta VALUES ('half', '1')")  # not committed
print('ready', flush=True)
sys.stdin.readline()
db.execute('ROLLBACK')
'''], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == 'ready\n'
        assert (run_copy / 'run.db-wal').stat().st_size > 100_000
        r = codeit('results', run_copy, '--json')
        assert r.returncode == 0 and r.stderr == '', r.stderr
    finally:
        writer.communicate('\n', timeout=30)
