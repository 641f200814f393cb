"""The Ray executor on a local cluster (2 CPUs, no dashboard, loopback only): the local pool's results, retries of
dying workers, failing jobs named, and the baseline and the loop run through it. Skipped when Ray is not installed
(`pip install -e '.[ray]'`; CI installs it)."""
import json
import os
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip('ray')

from codeit_nb.batch import Job, evaluate_job  # noqa: E402
from codeit_nb.executors import LocalPool  # noqa: E402
from codeit_nb.ray_pool import JobFailed, RayPool  # noqa: E402


ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import this test module


@pytest.fixture(scope='module')
def pool():
    with RayPool(workers=2) as p:
        yield p


def _die_once(arg):
    "Kill the worker the first time a job runs (marker file), then succeed."
    marker, x = arg
    if not os.path.exists(marker):
        Path(marker).write_text('died')
        os._exit(1)
    return x + 1


def _fail_on_three(job):
    name, x = job
    if x == 3: raise ValueError(f'bad input {x}')
    return x * 10


def test_same_results_as_local_pool(pool):
    from codeit_nb.solvers import load_solvers
    from codeit_nb.data import arc1
    solvers, tasks = load_solvers(), arc1('training')
    ids = sorted(solvers)[:12]
    jobs = [Job((solvers[t], 'O = vmirror(I)', 'O = fill(I, RED, ofcolor(I, ZERO))'), tuple(p.input for p in tasks[t].pairs)) for t in ids]
    with LocalPool(2) as lp:
        want = lp.map(evaluate_job, jobs)
    got = pool.map(evaluate_job, jobs)
    assert [r[0] for r in got] == [r[0] for r in want]  # the same outcomes, in order
    unordered = list(pool.imap_unordered(evaluate_job, jobs, chunksize=2))
    key = lambda r: repr(r[0])
    assert sorted(unordered, key=key) == sorted(got, key=key)


def test_a_dying_worker_is_retried(pool, tmp_path):
    out = pool.map(_die_once, [(str(tmp_path / 'marker'), 41)])
    assert out == [42] and (tmp_path / 'marker').exists()


def test_a_failing_job_is_named_and_others_are_kept(pool):
    jobs = [(f'task{i}', i) for i in range(8)]
    with pytest.raises(JobFailed, match=r'task3 \(job 3\).*bad input 3'):
        pool.map(_fail_on_three, jobs)
    got = []
    with pytest.raises(JobFailed, match='task3'):
        for r in pool.imap_unordered(_fail_on_three, jobs, chunksize=2):
            got.append(r)
    assert sorted(got) == [x * 10 for x in range(8) if x != 3]  # every other job's result reached the caller first


def _codeit(*args, timeout=600):
    import subprocess
    r = subprocess.run([str(Path(sys.executable).parent / 'codeit'), *args], capture_output=True, text=True, timeout=timeout,
                       env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr[-2000:]
    return r


def test_baseline_through_ray_gives_the_local_pool_results(tmp_path):
    from codeit_nb.baseline import evaluate_programs
    from codeit_nb.mutation import MutationConfig, write_corpus
    from codeit_nb.baseline import corpus_programs
    write_corpus(MutationConfig(samples=60, seed=1), tmp_path / 'corpus', 1, False)
    ray_corpus = write_corpus(MutationConfig(samples=60, seed=1), tmp_path / 'corpus_ray', 2, False, engine='ray')
    assert ray_corpus == json.loads((tmp_path / 'corpus' / 'corpus.json').read_text())['totals']
    progs = corpus_programs(tmp_path / 'corpus')
    assert progs == corpus_programs(tmp_path / 'corpus_ray')
    tasks = sorted({parent for _, parent, _ in progs})[:12]  # mutants of a task's solver often still solve some of its demonstrations
    local = evaluate_programs(progs, tmp_path / 'local', 'training', workers=2, progress=False, tasks=tasks)
    ray_ = evaluate_programs(progs, tmp_path / 'ray', 'training', workers=2, progress=False, tasks=tasks, engine='ray')
    assert ray_ == local and any(local.values())  # the same candidates for every task, some found


def test_loop_through_ray_ends_as_the_local_run(tmp_path):
    from codeit_nb.run_dir import run_digest
    common = ['run', '--preset', 'micro', '--json', '--set', 'iterations=1', 'mode=dev', 'n_search_tasks=6', 'seed=5',
              'mutation_samples=96', 'workers=2']
    _codeit(*common, '--out', str(tmp_path / 'local'))
    _codeit(*common, 'executor=ray', '--out', str(tmp_path / 'ray'))
    a, b = run_digest(tmp_path / 'local'), run_digest(tmp_path / 'ray')
    assert a == b and a['samples'] and a['candidates']


def test_a_run_resumes_on_another_engine(tmp_path):
    from codeit_nb.cli import main
    out = str(tmp_path / 'r')
    assert main(['run', '--preset', 'micro', '--out', out, '--json', '--set', 'iterations=0']) == 0
    assert main(['run', '--resume', '--out', out, '--json', '--set', 'executor=ray', 'iterations=0']) == 0  # where, not what
    assert main(['run', '--resume', '--out', out, '--json', '--set', 'seed=9']) == 2  # what: refused
