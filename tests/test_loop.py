"""The meta-loop at micro scale: every ablation switch runs and does what it says; a run killed at random
moments and resumed ends exactly as an uninterrupted run of the same seed."""
import json, os, random, signal, subprocess, sys, time
from dataclasses import replace
from pathlib import Path
import pytest
from codeit_nb.loop import Loop
from codeit_nb.loop_config import MICRO
from codeit_nb.run_dir import run_digest
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

# --- damaged checkpoints, full disks, one writer (issue 18, items 5-8) ---
import errno, shutil
from codeit_nb.policy import checkpoint_files

ONE_FAST = replace(ONE, no_pretrain=True)  # one iteration, no pretraining: the first checkpoint is ckpt/iter-0000

@pytest.fixture(scope='module')
def ref_run(tmp_path_factory):
    "An uninterrupted run of `ONE_FAST`, to compare against."
    out = tmp_path_factory.mktemp('ref') / 'run'
    Loop(out, ONE_FAST, progress=False).run()
    return out

def _trained(out, cfg=ONE_FAST, upto=0):
    "A run of `cfg` stopped after the train step of iteration `upto` (its sample step not done); its lock released."
    lp = Loop(out, cfg, progress=False).prepare()
    for i in range(upto + 1):
        lp.train_step(i)
        if i < upto: lp.sample_step(i)
    lp.close()

def test_damaged_newest_checkpoint_falls_back(tmp_path, ref_run, capfd):
    out = tmp_path / 'run'
    _trained(out)
    model = out / 'ckpt' / 'iter-0000' / 'model.safetensors'
    model.write_bytes(model.read_bytes()[:4096])  # truncated: no sample step used it, so iteration 0 trains again
    Loop(out, resume=True, progress=False).run()
    assert f'{model}: damaged checkpoint file' in capfd.readouterr().err
    assert checkpoint_files(out / 'ckpt' / 'iter-0000') == checkpoint_files(ref_run / 'ckpt' / 'iter-0000')
    assert run_digest(out) == run_digest(ref_run)

def test_damaged_checkpoint_the_run_went_on_from_is_named(tmp_path):
    out = tmp_path / 'run'
    Loop(out, ONE_FAST, progress=False).run()  # iteration 0 sampled from ckpt/iter-0000 ...
    extra = out / 'ckpt' / 'iter-0000' / 'extra.json'
    extra.write_text('{"step": ')  # ... which is then damaged
    assert Loop(out, resume=True, progress=False).run()  # a finished run resumes without loading it
    with pytest.raises(ValueError, match=f'{extra}: damaged checkpoint file.*the run went on from it'):
        Loop(out, resume=True, progress=False)._model()  # but it cannot be trained again: the error names the file

def test_checkpoint_disk_full_leaves_nothing_and_resumes(tmp_path, ref_run, monkeypatch):
    import codeit_nb.loop as L
    real = L.save_checkpoint
    def full(path, *a, **kw):  # half a checkpoint, then no space
        Path(path).mkdir(parents=True, exist_ok=True); (Path(path) / 'model.safetensors').write_bytes(b'x' * 100)
        raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(L, 'save_checkpoint', full)
    out = tmp_path / 'run'
    with pytest.raises(OSError, match=f'disk full at {out / "ckpt" / ".iter-0000.tmp"}'):
        Loop(out, ONE_FAST, progress=False).run()
    assert not (out / 'ckpt' / '.iter-0000.tmp').exists() and not (out / 'ckpt' / 'iter-0000').exists()
    st = RunStore(out / 'run.db', readonly=True)
    assert not st.done(0, 'train') and st.latest_checkpoint() is None
    monkeypatch.setattr(L, 'save_checkpoint', real)  # space again
    Loop(out, resume=True, progress=False).run()
    assert run_digest(out) == run_digest(ref_run)

def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which('mount') is not None

@pytest.mark.skipif(not _can_mount(), reason='needs root to mount a small tmpfs')
def test_real_full_disk_then_resume(tmp_path, ref_run):
    "A 4 MB tmpfs: the buffer fits, the 15 MB checkpoint does not; after the disk grows the run resumes and ends as the reference."
    d = tmp_path / 'small'; d.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', str(d)]).returncode: pytest.skip('cannot mount tmpfs here')
    try:
        out = d / 'run'
        with pytest.raises(OSError, match='disk full at'):
            Loop(out, ONE_FAST, progress=False).run()
        assert not (out / 'ckpt').exists() or list((out / 'ckpt').iterdir()) == []  # nothing half-written
        subprocess.run(['mount', '-o', 'remount,size=64m', str(d)], check=True)
        Loop(out, resume=True, progress=False).run()
        assert run_digest(out) == run_digest(ref_run)
    finally: subprocess.run(['umount', '-l', str(d)])

def test_wal_is_checkpointed_into_run_db(tmp_path, ref_run):
    out = tmp_path / 'run'
    lp = Loop(out, ONE_FAST, progress=False)
    lp.run()  # still open: its log is not deleted on close
    assert (out / 'run.db-wal').stat().st_size == 0  # moved into run.db
    (tmp_path / 'copy').mkdir(); shutil.copy(out / 'run.db', tmp_path / 'copy' / 'run.db')
    assert run_digest(tmp_path / 'copy') == run_digest(ref_run)
    lp.close()

def test_second_writer_is_refused(tmp_path):
    out = tmp_path / 'run'
    lp = Loop(out, replace(ONE_FAST, iterations=0), progress=False)
    with pytest.raises(ValueError, match=f'{out} is being written by pid {os.getpid()}'):
        Loop(out, resume=True, progress=False)
    assert run_digest(out)['iterations'] == []  # readers do not need the lock
    lp.close()
    Loop(out, resume=True, progress=False).close()  # free once the writer is gone


def test_every_task_runs_a_program_on_a_task_once(tmp_path):
    "Issue 25 item 2: with `every_task`, a program already run on a task in an earlier iteration is not run there again; the run is the same."
    cfg = replace(MICRO, iterations=2, every_task=True, no_pretrain=True, samples_per_task=6)
    Loop(tmp_path / 'cached', cfg, progress=False).run()
    fresh = Loop(tmp_path / 'fresh', cfg, progress=False).prepare()
    for i in range(2):
        fresh.train_step(i)
        fresh.elsewhere.clear()  # forget what earlier iterations ran: every pair runs again
        fresh.sample_step(i)
    fresh.close()
    assert run_digest(tmp_path / 'cached') == run_digest(tmp_path / 'fresh')
    st = RunStore(tmp_path / 'cached' / 'run.db', readonly=True)
    first, second = st.meta('elsewhere_0'), st.meta('elsewhere_1')
    st.close()
    assert first['run'] == first['pairs'] > 0 and second['run'] < second['pairs'], (first, second)
