"""Submissions: every run writes submission.json (ARC Prize format) and its provenance; `codeit score` scores any such file."""
import json

import pytest

from conftest import one_line_error

from codeit_nb.data import arc1




@pytest.fixture(scope='module')
def run_dir(micro_run):
    "A micro run on 4 ARC-AGI-1 evaluation tasks through the CLI (conftest's `micro_run`, shared with test_store_damage)."
    return micro_run


def test_a_run_writes_its_submission_and_scores_it_as_results_does(codeit, run_dir):
    sub = json.loads((run_dir / 'submission.json').read_text())
    tasks = arc1('evaluation')
    assert len(sub) == 4 and all(len(v) == len(tasks[t].test) for t, v in sub.items())
    assert all(set(e) == {'attempt_1', 'attempt_2'} for v in sub.values() for e in v)
    prov = json.loads((run_dir / 'submission_provenance.json').read_text())
    assert set(prov) == set(sub)
    assert all({'program', 'origin', 'iteration', 'votes', 'demo_acc'} <= set(a) for v in prov.values() for t in v for a in t)
    res = json.loads(codeit('results', run_dir, '--json').stdout)
    assert res['pass2'] is not None and set(res['solved']) <= set(res['ever_found'])
    # scored against the 4 searched tasks only: the same figure the run recorded
    folder = run_dir.parent / 'tasks'
    folder.mkdir(exist_ok=True)
    for t in sub: (folder / f'{t}.json').write_text(json.dumps(tasks[t].to_dict()))
    r = codeit('score', run_dir / 'submission.json', '--tasks', folder, '--json')
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got['tasks'] == 4 and got['missing'] == [] and abs(got['score'] - res['pass2']) < 1e-9
    assert set(got['solved']) <= set(res['ever_found'])


def test_hand_made_submission(codeit, tmp_path):
    tasks = arc1('evaluation')
    right, wrong = sorted(tasks)[:2]
    sub = {right: [{'attempt_1': [[0]], 'attempt_2': [list(r) for r in p.output]} for p in tasks[right].test],
           wrong: [{'attempt_1': [[0]], 'attempt_2': [[0]]} for _ in tasks[wrong].test]}
    (tmp_path / 's.json').write_text(json.dumps(sub))
    r = codeit('score', tmp_path / 's.json', '--json')
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert (got['tasks'], got['score'], got['solved'], len(got['missing'])) == (400, 1.0, [right], 398)
    text = codeit('score', tmp_path / 's.json')
    assert text.returncode == 0 and text.stdout.startswith('score 1 of 400 tasks (0.25 %'), text.stdout


@pytest.mark.parametrize('content, parts', [
    ('{"00576224": [', ['bad JSON at line 1']),
    ('[1, 2]', ['expected an object']),
    ('{"007bbfb7": []}', ["task '007bbfb7' is not one of the 400 tasks"]),
    ('{"00576224": {"attempt_1": [[1]]}}', ['task 00576224: expected a list of 1 entries', 'got dict']),
    ('{"00576224": [[1]]}', ['task 00576224, test input 0: expected {"attempt_1": grid']),
    ('{"00576224": [{"attempt_1": [[1, 2], [3]], "attempt_2": [[1]]}]}', ['task 00576224, test input 0, attempt_1: row 1 has 1 cells']),
    ('{"00576224": [{"attempt_1": [[1]], "attempt_2": [[10]]}]}', ['task 00576224, test input 0, attempt_2: row 0 col 0: colour 10']),
    ('{"00576224": [{"attempt_1": [[1]], "attempt_2": [[1]], "attempt_3": [[1]]}]}', ['task 00576224, test input 0']),
    ('{"00576224": [{"attempt_1": [[1]], "attempt_2": []}]}', ['attempt_2: empty grid']),
])
def test_malformed_submission_is_one_line(codeit, tmp_path, content, parts):
    f = tmp_path / 'bad.json'
    f.write_text(content)
    one_line_error(codeit('score', f), str(f), *parts)


def test_score_bad_arguments(codeit, tmp_path):
    one_line_error(codeit('score', tmp_path / 'none.json'), 'none.json', 'cannot read it')
    (tmp_path / 's.json').write_text('{}')
    one_line_error(codeit('score', tmp_path / 's.json', '--tasks', 'arc9/x'), "'arc9/x': not a task set")
    one_line_error(codeit('bench', 'eval', '--preset', 'huge'), "unknown preset 'huge'")


def test_the_baseline_writes_a_submission_that_scores_as_it_says(codeit, tmp_path):
    r = codeit('baseline', '--samples', '12', '--workers', '1', '--out', tmp_path / 'b', '--json')
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    got = json.loads(codeit('score', tmp_path / 'b' / 'submission.json', '--json').stdout)
    assert got['tasks'] == 400 and got['missing'] == []
    # one ranking: a task with one test input solved by the first two answers (pass@2) is solved by the first three (pass@3)
    one_test = {t for t, task in arc1('evaluation').items() if len(task.test) == 1}
    assert len(set(got['solved']) & one_test) <= summary['solved']
    prov = json.loads((tmp_path / 'b' / 'submission_provenance.json').read_text())
    assert all(a['origin'] == 'mutation' for v in prov.values() for t in v for a in t)
