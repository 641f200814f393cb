"""Hostile `--set NAME=VALUE` settings thrown at every subcommand that takes them (issue 18): each either starts a
valid run (checked with `--check`, which writes nothing) or exits 2 with one line on stderr naming the setting —
never a traceback, a hang or a crash."""
import contextlib, io, json, math, time
import pytest
import torch
from hypothesis import given, settings, strategies as st, HealthCheck
from codeit_nb.cli import main
from codeit_nb.loop_config import setting_names

NAMES = setting_names()
ODD = ['0', '-1', '1', '2', '999999', '9' * 5000, '1e400', 'nan', 'inf', '-inf', '', ' ', 'true', 'false', 'TRUE', 'cuda', 'cuda:0',
       'cuda:x', 'cpu', ':', 'bogus', 'tiny', 'paper', 'eval', 'dev', '١٢', '0x10', '1_000', '1.5', '-0.0', '1e-300', 'None', '[]', '=']
values = st.one_of(st.sampled_from(ODD), st.integers(-10**6, 10**6).map(str), st.integers().map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.text(st.characters(blacklist_categories=('Cs',), blacklist_characters='\x00'), max_size=24))
names = st.one_of(st.sampled_from(NAMES), st.sampled_from(NAMES).map(lambda n: n + '.x'), st.from_regex(r'[a-z_]{1,12}(\.[a-z_]{1,8})?', fullmatch=True))
COMMANDS = (['run', '--preset', 'micro'], ['run', '--resume', '--preset', 'micro'], ['run'], ['pretrain', '--preset', 'micro'])


def _codeit(argv) -> tuple:
    "Run `codeit ARGV` in this process: (exit code, stdout, stderr, seconds)."
    out, err, t0 = io.StringIO(), io.StringIO(), time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue(), time.perf_counter() - t0


def _flat(d, prefix=''):
    out = {}
    for k, v in d.items(): out.update(_flat(v, f'{prefix}{k}.') if isinstance(v, dict) else {prefix + k: v})
    return out


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(cmd=st.sampled_from(COMMANDS), pairs=st.lists(st.tuples(names, values), min_size=1, max_size=3))
def test_hostile_set_values(tmp_path, cmd, pairs):
    out = tmp_path / 'never-written'
    rc, stdout, stderr, secs = _codeit([*cmd, '--out', out, '--check', *(x for n, v in pairs for x in ('--set', f'{n}={v}'))])
    assert secs < 10, (pairs, secs)
    assert not out.exists()  # --check writes nothing
    if rc == 2:
        assert stderr.startswith('codeit: error: ') and stderr.count('\n') == 1 and stdout == '', stderr
        assert any(n.strip() in stderr for n, _ in pairs), (pairs, stderr)  # it names the setting
        return
    assert rc == 0 and stderr == '', (pairs, rc, stderr)
    cfg = _flat(json.loads(stdout))
    for n, v in pairs:  # every setting given is in the configuration the run would use
        assert n.strip() in cfg or n.strip() in ('policy',), (n, cfg)


@pytest.mark.parametrize('setting,named', [
    ('threads=0', 'threads=0: expected an integer from 1 to 256'), ('threads=-1', 'threads=-1'), ('threads=999999', 'threads=999999'),
    ('device=bogus', "device='bogus'"), ('train.grad_accum=0', 'train.grad_accum=0'), ('samples_per_task=0', 'samples_per_task=0'),
    ('n_search_tasks=-5', 'n_search_tasks=-5: expected an integer from 0 to 100000'), ('iterations=-1', 'iterations=-1'),
    ('train.batch_size=0', 'train.batch_size=0: expected an integer from 1'), ('priority.floor=0', 'priority.floor=0'),
    ('epochs=1e400', 'epochs=inf'), ('policy.dec_len=١', 'policy.dec_len=1: expected an integer from 16')])
def test_issue_reproductions(tmp_path, setting, named):
    for cmd in (['run', '--preset', 'micro'], ['pretrain']):  # refused before anything is written, with or without --check
        rc, stdout, stderr, _ = _codeit([*cmd, '--out', tmp_path / 'run', '--set', setting])
        assert (rc, stderr) == (2, f'codeit: error: {stderr[15:]}') and named in stderr and stderr.count('\n') == 1, stderr
        assert not (tmp_path / 'run' / 'run.db').exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason='this machine has CUDA')
def test_cuda_without_cuda(codeit, tmp_path):
    r = codeit('run', '--preset', 'micro', '--out', tmp_path / 'run', '--set', 'device=cuda')
    assert (r.returncode, r.stderr) == (2, "codeit: error: device=cuda: this machine has no CUDA device (use 'cpu' or '')\n")


def test_huge_threads_as_a_process(codeit, tmp_path):
    r = codeit('run', '--preset', 'micro', '--out', tmp_path / 'run', '--set', 'threads=999999')  # was a segfault
    assert (r.returncode, r.stderr) == (2, 'codeit: error: threads=999999: expected an integer from 1 to 256\n')


def test_temperature_and_oversize_policy_refused_before_anything_runs(tmp_path):
    "Issue 30, finding 6: a temperature whose probabilities overflow, an in-range policy too big for the machine."
    for sets, named in ((['temperature=1e-38'], 'temperature=1e-38: expected a number from 0.01'),
                        (['temperature=1e-320'], 'temperature=1e-320'),
                        (['policy.d_model=16384', 'policy.d_ff=65536'], 'GiB to train')):
        t0 = time.perf_counter()
        rc, stdout, stderr, _ = _codeit(['run', '--preset', 'micro', '--out', tmp_path / 'run', '--set', *sets])
        assert rc == 2 and stderr.startswith('codeit: error: ') and stderr.count('\n') == 1 and named in stderr, stderr
        assert time.perf_counter() - t0 < 20 and not (tmp_path / 'run').exists()  # refused at once: nothing allocated or written


def test_stuck_run_resumed_with_a_corrected_setting(codeit, tmp_path):
    "Issue 30, finding 6: a run whose stored setting cannot work is resumed with it corrected (and only with that)."
    from codeit_nb.store import RunStore
    from conftest import one_line_error
    out = tmp_path / 'run'
    # (no pretraining: what is checked is the stored setting and its correction, not what the policy learnt)
    assert codeit('run', '--preset', 'micro', '--out', out, '--set', 'iterations=0', 'no_pretrain=true', '--json').returncode == 0
    st = RunStore(out / 'run.db')  # as a run started before the range was tightened, stopped in its first iteration
    with st.transaction() as t: t.set_meta('config', {**st.meta('config'), 'temperature': 1e-38, 'iterations': 1})
    st.close()
    one_line_error(codeit('run', '--resume', '--out', out), 'temperature=1e-38', 'with that setting corrected')
    one_line_error(codeit('run', '--resume', '--out', out, '--set', 'temperature=0.9', 'seed=5'), 'seed: 0 -> 5')
    r = codeit('run', '--resume', '--out', out, '--set', 'temperature=0.9', '--json')
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)['iterations']) == 1
    st = RunStore(out / 'run.db', readonly=True)
    assert st.meta('config')['temperature'] == 0.9 and [c['changed'] for c in st.meta('corrections')] == [['temperature: 1e-38 -> 0.9']]
    st.close()
    assert codeit('run', '--resume', '--out', out).returncode == 0  # the corrected configuration is the run's now
