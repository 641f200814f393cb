"""`codeit bench eval --seed 0 1`: each seed run (or read back), then the summary over seeds (issue 25)."""
import json


def test_bench_eval_over_seeds(codeit, tmp_path):
    out = str(tmp_path / 's{seed}')
    r = codeit('bench', 'eval', '--preset', 'micro', '--seed', '0', '1', '--out', out, '--json')
    assert r.returncode == 0, r.stderr[-2000:]
    got = json.loads(r.stdout)
    runs, s = got['runs'], got['summary']
    assert [x['seed'] for x in runs] == s['seeds'] == [0, 1]
    assert [x['run_dir'] for x in runs] == [str(tmp_path / 's0'), str(tmp_path / 's1')]
    assert s['codeit_minus_mutation'] == [x['codeit']['pass3'] - x['mutation_only']['pass3'] for x in runs]
    assert s['codeit']['pass3']['minus_ref'] == sum(s['codeit_minus_mutation']) / 2
    assert s['mutation_only']['pass3']['min'] == min(x['mutation_only']['pass3'] for x in runs)
    text = codeit('bench', 'eval', '--preset', 'micro', '--seed', '0', '1', '--out', out)  # read back, as text
    assert text.returncode == 0 and 'CodeIt − mutation only (submitted pass@3)' in text.stdout, text.stderr[-2000:]
    assert text.stdout.splitlines()[0] == f"seed 0: {tmp_path / 's0'}"
    one = codeit('bench', 'eval', '--preset', 'micro', '--seed', '1', '--out', str(tmp_path / 's1'), '--json')
    assert json.loads(one.stdout)['codeit'] == runs[1]['codeit']  # one seed: its result, as before
