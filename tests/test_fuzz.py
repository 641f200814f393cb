"""The fuzz campaign, small: generated programs (grammar-valid and adversarial) through the interpreter, the batch
executor and the loop's execution path must all come back as outcomes, agree, and stay within the wall-clock guard.
The full campaign (`codeit bench fuzz`, 100,000 programs) is recorded in BENCHMARKS.md."""
import json, subprocess, sys

import pytest
from conftest import codeit_exe
from codeit_nb.fuzz import bench_fuzz, fuzz_programs, _ADVERSARIAL


def test_fuzz_2000_programs_through_every_path():
    r = subprocess.run([codeit_exe(), 'bench', 'fuzz', '--n', '2000', '--seed', '1', '--json'], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout)
    assert (res['programs'], res['crashes'], res['mismatches']) == (2000, 0, 0)
    assert res['worst_wall_per_execution_s'] < 3 * res['wall_clock_guard_s'], res  # one program on one input: the guard holds
    assert res['worst_wall_per_program_s'] < 30, res  # all paths, all inputs (the loop's path runs every demonstration)
    assert set(res['by_source']) == set(_ADVERSARIAL) | {'random', 'mutant', 'garbage'}
    errors = res['errors']  # not vacuous: programs that run, and each kind of refusal
    assert all(errors.get(k, 0) > 20 for k in ('ok', 'parse', 'type', 'runtime', 'limit')), errors
    assert res['seconds'] < 120, res


def test_programs_are_reproducible_and_mostly_parse():
    a = list(fuzz_programs(150, seed=5))
    assert a == list(fuzz_programs(150, seed=5)) and a != list(fuzz_programs(150, seed=6))
    assert len({t for _, t in a}) > 120


def test_a_crash_fails_the_campaign(monkeypatch):
    import codeit_nb.interpreter as interp
    real = interp.run
    def run(text, grid, *a, **kw):
        if 'pair' in str(text): raise RuntimeError('boom')
        return real(text, grid, *a, **kw)
    monkeypatch.setattr(interp, 'run', run)
    with pytest.raises(AssertionError, match=r'fuzz: [1-9]\d* crashes'):
        bench_fuzz(60, seed=3, hang_s=0)


def test_a_disagreement_fails_the_campaign(monkeypatch):
    import dataclasses
    import codeit_nb.fuzz as fuzz
    real = fuzz.evaluate
    monkeypatch.setattr(fuzz, 'evaluate', lambda progs, inputs, memo: [[dataclasses.replace(o, cost=o.cost + 1) for o in r] for r in real(progs, inputs, memo)])
    with pytest.raises(AssertionError, match=r'0 crashes, [1-9]\d* disagreements'):
        bench_fuzz(30, seed=3, hang_s=0)


def test_a_hang_is_reported_not_waited_for():
    code = ('import time, codeit_nb.interpreter as i\n'
            'i.run = lambda *a, **k: time.sleep(600)\n'
            'from codeit_nb.fuzz import bench_fuzz\n'
            'bench_fuzz(5, hang_s=2)\n')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and 'Timeout' in r.stderr and 'bench_fuzz' in r.stderr, r.stderr[-2000:]
