"""The meta-loop at micro scale: every ablation switch runs and does what it says; a run killed at random
moments and resumed ends exactly as an uninterrupted run of the same seed."""
import json, os, random, signal, subprocess, sys, time
from dataclasses import replace
from pathlib import Path
import pytest
from codeit_nb.loop import Loop, MICRO, run_digest
from codeit_nb.store import RunStore

ONE = replace(MICRO, iterations=1)

def _run(tmp_path, **kw):
    out = tmp_path / 'run'; Loop(out, replace(ONE, **kw), progress=False).run()
    return RunStore(out / 'run.db', readonly=True)

def test_a1_no_exit_keeps_policy_samples_out(tmp_path):
    st = _run(tmp_path, no_exit=True)
    assert st.query("SELECT COUNT(*) n FROM buffer WHERE origin='policy'")[0]['n'] == 0
    assert st.query('SELECT COUNT(*) n FROM samples')[0]['n'] > 0

def test_a2_no_relabel_keeps_only_real_solutions(tmp_path):
    st = _run(tmp_path, no_relabel=True)
    assert all(r['priority'] == 1.0 for r in st.query("SELECT priority FROM buffer WHERE origin='policy'"))

def test_a3_no_priority_runs(tmp_path):
    st = _run(tmp_path, no_priority=True); assert st.meta('config')['no_priority'] and st.iterations()

def test_a4_no_pretrain_skips_pretraining(tmp_path):
    st = _run(tmp_path, no_pretrain=True)
    assert not st.done(-1, 'pretrain') and st.query('SELECT COUNT(*) n FROM checkpoints WHERE iteration=-1')[0]['n'] == 0

def test_a5_one_demo_encodes_one_pair(tmp_path):
    from codeit_nb.loop import Loop
    lp = Loop(tmp_path / 'r', replace(ONE, one_demo=True), progress=False); lp.run()
    from codeit_nb.tokenizer import encode_task
    t = lp.search[0]
    assert encode_task(t, 512, lp.n_demos).count('<in>') == 1 < len(t.train)

def test_a6_no_mutation_seeds_solvers_only(tmp_path):
    st = _run(tmp_path, no_mutation=True)
    assert {r['origin'] for r in st.query("SELECT DISTINCT origin FROM buffer WHERE iteration=-1")} == {'solver'}

def test_default_buffer_has_mutants(tmp_path):
    st = _run(tmp_path)
    assert st.query("SELECT COUNT(*) n FROM buffer WHERE origin='mutation'")[0]['n'] > 0

def _codeit(*args):
    exe = Path(sys.executable).parent / 'codeit'
    return subprocess.Popen([str(exe), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)

def test_resume_after_kills_matches_uninterrupted(tmp_path):
    ref = tmp_path / 'ref'; Loop(ref, MICRO, progress=False).run()
    out, rng, kills = tmp_path / 'killed', random.Random(0), 0
    args = ['run', '--preset', 'micro', '--out', str(out), '--resume', '--json']
    for delay in (rng.uniform(3, 8), rng.uniform(2, 8), rng.uniform(2, 8)):
        p = _codeit(*args); time.sleep(delay)
        if p.poll() is None: os.killpg(p.pid, signal.SIGKILL); p.wait(); kills += 1
        else: assert p.returncode == 0, p.stderr.read().decode()
    p = _codeit(*args); _, err = p.communicate(timeout=600)
    assert p.returncode == 0, err.decode()
    assert kills >= 1
    assert run_digest(out) == run_digest(ref)
