"""Chaos (issue 18; slow, a benchmark): a small run is killed with SIGKILL at >= 20 random moments and resumed each time;
it must end exactly as an uninterrupted run — store digest (samples, buffer, candidates, iterations), the checkpoints'
files and their recorded digests — with candidates in the compared tables, and no half-written file left behind.

Run it: `CODEIT_SLOW=1 pytest -q -s tests/test_chaos.py` (or `pytest --runslow ...`); `CODEIT_CHAOS_KILLS=N` sets the
kills (default 20), `CODEIT_CHAOS_SEED` the random moments. It prints one line of figures."""
import json, os, random, signal, subprocess, sys, time
from pathlib import Path
import pytest
from codeit_nb.run_dir import run_digest
from codeit_nb.policy import checkpoint_files
from codeit_nb.store import RunStore

# micro, in dev mode with a seed whose seed mutants solve demonstrations of two of its six search tasks: candidates from iteration -1 on
SETTINGS = ['mode=dev', 'seed=5', 'n_search_tasks=6', 'mutation_samples=96']


def _start(out: Path):
    exe = Path(sys.executable).parent / 'codeit'
    args = [str(exe), 'run', '--preset', 'micro', '--out', str(out), '--resume', '--json', '--set', *SETTINGS]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, 'OMP_NUM_THREADS': '1'})


def _steps(out: Path) -> int:
    "Steps committed so far (0 before the store exists)."
    if not (out / 'run.db').exists(): return 0
    st = RunStore(out / 'run.db', readonly=True)
    n = st.query('SELECT COUNT(*) AS n FROM steps')[0]['n']
    st.close()
    return n


def _checkpoints(out: Path) -> dict:
    "Every checkpoint directory's file digests, and the digests the store recorded."
    st = RunStore(out / 'run.db', readonly=True)
    recorded = {p: files for _, p, files in st.checkpoints()}
    st.close()
    return {'files': {d.name: checkpoint_files(d) for d in sorted((out / 'ckpt').iterdir())}, 'recorded': recorded}


def _same(out: Path, ref: Path) -> dict:
    "Assert that run `out` ended exactly as `ref`; its digest."
    a = run_digest(out)
    assert a['candidates'] and a['samples'] and a['iterations'], 'the compared tables must not be empty'
    assert a == run_digest(ref)
    assert _checkpoints(out) == _checkpoints(ref)
    assert not [f for f in out.rglob('*') if f.name.endswith('.tmp')], 'a half-written file was left behind'
    return a


@pytest.mark.slow
def test_chaos_kills_then_resume_match_uninterrupted(tmp_path):
    kills_wanted, rng = int(os.environ.get('CODEIT_CHAOS_KILLS', 20)), random.Random(int(os.environ.get('CODEIT_CHAOS_SEED', 0)))
    t0 = time.perf_counter()
    ref = tmp_path / 'ref'
    p = _start(ref); _, err = p.communicate(timeout=1200)
    assert p.returncode == 0, err.decode()
    t_ref = time.perf_counter() - t0
    runs, kills, at = 0, 0, []
    out = tmp_path / 'killed-0'
    while kills < kills_wanted:
        p = _start(out)
        time.sleep(rng.uniform(1, t_ref / 2))
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL); p.wait(); kills += 1
            at.append((runs, _steps(out)))
            continue
        assert p.returncode == 0, p.stderr.read().decode()
        _same(out, ref)  # this run finished between kills: compare it, and kill a new one
        runs += 1
        out = tmp_path / f'killed-{runs}'
    p = _start(out); _, err = p.communicate(timeout=1200)
    assert p.returncode == 0, err.decode()
    a = _same(out, ref)
    print(f"\nchaos: {kills} SIGKILLs over {runs + 1} runs, each resumed to the end and identical to the uninterrupted run "
          f"(run, steps committed) at each kill: {at}; uninterrupted run {t_ref:.0f} s, {time.perf_counter() - t0:.0f} s in all; "
          f"candidates {len(a['candidates'])}, samples {len(a['samples'])}, buffer {len(a['buffer'])}")
