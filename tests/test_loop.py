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

def _prepared(tmp_path, name, **kw):
    "A loop with its buffer seeded (no pretraining: cheap), for checks of what a switch changes."
    return Loop(tmp_path / name, replace(ONE, no_pretrain=True, **kw), progress=False).prepare()

def _wrong_samples(lp):
    "Samples that run on a search task without solving it (what most policy samples are)."
    from codeit_nb.scoring import run_on_task
    samples = run_on_task(lp.search[0], ['O = rot90(I)', 'O = vmirror(I)', 'O = upscale(I, TWO)'], 'policy', 0)
    assert any(s.error is None and not all(s.rewards) for s in samples)
    return samples

def test_a1_no_exit_keeps_policy_samples_out(tmp_path):
    for name, no_exit in (('base', False), ('a1', True)):
        lp = _prepared(tmp_path, name, no_exit=no_exit)
        assert (lp.relabel(_wrong_samples(lp), 0) == []) == no_exit

def test_a2_no_relabel_keeps_only_real_solutions(tmp_path):
    for name, no_relabel in (('base', False), ('a2', True)):
        lp = _prepared(tmp_path, name, no_relabel=no_relabel)
        assert (lp.relabel(_wrong_samples(lp), 0) == []) == no_relabel  # wrong samples: relabelled, unless A2

def test_a3_no_priority_draws_uniformly(tmp_path):
    from codeit_nb.replay import Experience
    g, h, k = ((1, 2),), ((2, 1),), ((2, 2),)
    for name, uniform in (('base', False), ('a3', True)):
        lp = _prepared(tmp_path, name, priority=replace(MICRO.priority, uniform=uniform))
        lp.buffer.add(Experience('O = vmirror(I)', 't', 'policy', 0, (g,), (h,), 1.0))
        lp.buffer.add(Experience('O = rot180(I)', 't', 'policy', 0, (g,), (k,), 0.0))
        w = lp.buffer.priorities()
        assert (w[0] == w[1]) == uniform, (name, w)  # only A3 gives a solving and a failing experience the same weight

def test_a4_no_pretrain_skips_pretraining(tmp_path):
    st = _run(tmp_path, no_pretrain=True)
    assert not st.done(-1, 'pretrain') and st.query('SELECT COUNT(*) n FROM checkpoints WHERE iteration=-1')[0]['n'] == 0

def test_a5_one_demo_shows_the_policy_one_pair(tmp_path):
    base, a5 = _prepared(tmp_path, 'base'), _prepared(tmp_path, 'a5', one_demo=True)
    e = next(e for e in base.buffer.pools['mutated'] if len(e.inputs) > 1)
    assert base._example(e)[0].count('<in>') == len(e.inputs) > 1  # training examples: every demonstration ...
    assert a5._example(e)[0].count('<in>') == 1                      # ... or, with A5, the first alone
    t = next(t for t in a5.search if len(t.train) > 1)
    encs = {lp: lp.encodings()[lp.search.index(t)] for lp in (base, a5)}
    assert encs[base].count('<in>') > 1 and encs[a5].count('<in>') == 1  # and what it samples from

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
