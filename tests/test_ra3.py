"""RA3 mid-training from the command line, as a user runs it: the stage end to end, a SIGKILL inside an EM round and
the resume, the experiment's command, and the constraint's guarantee with latent tokens."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
from codeit_nb.run_dir import run_digest
from codeit_nb.store import RunStore

RA3_MICRO = ['--preset', 'micro', '--set', 'iterations=1', 'midtrain=ra3', 'ra3.k=4', 'ra3.rounds=2', 'ra3.group=2',
             'ra3.estep_epochs=0.05', 'ra3.mstep_epochs=0.1', 'ra3.batch_programs=8']


def _store(out) -> RunStore: return RunStore(Path(out) / 'run.db', readonly=True)


def test_ra3_stage_end_to_end_from_the_cli(codeit, tmp_path):
    out = tmp_path / 'run'
    r = codeit('run', *RA3_MICRO, '--out', out, '--json')
    assert r.returncode == 0, r.stderr
    st = _store(out)
    assert st.done(-1, 'midtrain_0') and st.done(-1, 'midtrain_1') and st.done(0, 'sample')
    assert st.meta('config')['midtrain'] == 'ra3' and st.meta('config')['ra3']['k'] == 4  # the switches are in the store
    assert st.meta('midtrain_1')['compute'] > 0 and st.latents('ra3')
    assert all(t.split()[0].startswith('<z') for t in st.latents('ra3').values())  # each annotated program opens with a latent
    assert codeit('run', '--resume', '--out', out, '--json').returncode == 0  # finished: resuming does nothing


@pytest.mark.slow  # two RA3 runs; CI covers resume across a round in 19_loop (a kill simulated inside round 1's E-step)
def test_kill_inside_an_em_round_resumes_exactly(tmp_path):
    exe = str(Path(sys.executable).parent / 'codeit')
    ref, out = tmp_path / 'ref', tmp_path / 'killed'
    subprocess.run([exe, 'run', *RA3_MICRO, '--out', str(ref), '--json'], check=True, capture_output=True, timeout=600)
    p = subprocess.Popen([exe, 'run', *RA3_MICRO, '--out', str(out), '--json'], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True)
    t0 = time.time()
    while time.time() - t0 < 300 and p.poll() is None:  # kill it once round 0 has committed: inside round 1
        if (out / 'run.db').exists():
            try:
                if _store(out).done(-1, 'midtrain_0'): break
            except Exception: pass  # the store is being created
        time.sleep(0.2)
    assert p.poll() is None, 'the run ended before it could be killed inside round 1'
    os.killpg(p.pid, signal.SIGKILL); p.wait()
    st = _store(out)
    assert st.done(-1, 'midtrain_0') and not st.done(0, 'sample')
    st.close()
    r = subprocess.run([exe, 'run', '--resume', '--out', str(out), '--json'], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert run_digest(out) == run_digest(ref)


def test_bench_ra3_micro_from_the_cli(codeit, tmp_path):
    r = codeit('bench', 'ra3', '--preset', 'micro', '--out', tmp_path / 'ra3', '--json')
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert set(res['arms']) == {'ra3', 'ntp', 'random'} and res['ntp_midtrain_epochs'] > 0
    for arm in res['arms'].values(): assert set(arm) >= {'final_cumulative', 'policy_only', 'it0_run', 'it0_demo', 'c1_reach_ntp_final'}
    assert (tmp_path / 'ra3' / 'result.json').exists()


def test_constrained_samples_with_latents_all_parse():
    "An untrained policy with 16 latent tokens: every sample parses and type-checks, latents only at line starts."
    from codeit_nb.data import arc1
    from codeit_nb.policy import build_policy, POLICY_PRESETS
    from codeit_nb.program import check
    from codeit_nb.sampling import sample_programs
    from codeit_nb.tokenizer import build_tokenizer, encode_task, tokens_program, latent_marks
    tok = build_tokenizer(latents=16)
    model = build_policy(POLICY_PRESETS['tiny'], tok, seed=3)
    tasks = list(arc1('evaluation').values())[:12]
    ann = {}
    got = sample_programs(model, tok, [encode_task(t, 256) for t in tasks], n=16, dec_len=96, enc_len=256, seed=1, annotations=ann)
    assert all(got) and len(ann) >= 20
    for progs in got:
        for p in progs: check(p)
    for p, a in ann.items():
        assert tokens_program(a) == p
        assert all(0 <= j < a.count('<nl>') for j in latent_marks(a))
        words = a.split()
        assert all(k == 0 or words[k - 1] == '<nl>' for k, w in enumerate(words) if w.startswith('<z'))  # only where a line starts
