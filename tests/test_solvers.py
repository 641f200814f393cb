"""The solvers: every one verified on all its pairs; never a hand-written one for an evaluation task (ARC-AGI-1's or
ARC-AGI-2's) — the house rule, checked here rather than trusted; the harvested ones never for an ARC-AGI-2 evaluation
task and never seeding an ARC-AGI-1 search (ARC-AGI-2 counts ARC-AGI-1's evaluation tasks as training)."""
import json

from codeit_nb.data import arc1, arc2
from codeit_nb.solvers import (SOLVER_DIRS, solver_ids, verify_solvers, seed_collections, seed_solvers, solvers_apart,
                               task_content)
from conftest import one_line_error

EVALUATION = set(arc1('evaluation')) | set(arc2('evaluation'))
HAND_WRITTEN = ('arc1/training', 'arc2/training')


def test_no_solver_for_an_evaluation_task():
    for task_set in HAND_WRITTEN:
        assert not set(solver_ids(task_set)) & EVALUATION, task_set


def test_harvested_solvers_stay_out_of_evaluation_searches():
    harvested = set(solver_ids('arc2/harvest'))
    assert harvested, 'the harvested collection is empty (run `codeit solvers harvest`)'
    assert not harvested & set(arc2('evaluation'))
    training = arc2('training')
    assert set(solvers_apart(arc2('evaluation'), {t: training[t] for t in harvested})) == harvested  # by content too
    assert not harvested & (set(solver_ids('arc1/training')) | set(solver_ids('arc2/training')))
    for name in ('arc1/evaluation', 'dev', 'evaluation'):
        assert seed_collections(name) == ('arc1/training',), name
    assert not set(seed_solvers(arc1('evaluation'), seed_collections('arc1/evaluation'))) & set(arc1('evaluation'))
    manifest = json.loads((SOLVER_DIRS['arc2/harvest'] / 'harvest.json').read_text())
    assert set(manifest) == harvested and {m['origin'] for m in manifest.values()} <= {'mutation', 'policy'}


def test_harvested_solvers_verified(codeit):
    r = codeit('solvers', 'verify', '--set', 'arc2/harvest', '--json')
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got['verified'] == len(solver_ids('arc2/harvest')) and got['wrong'] == got['error'] == 0, got


def test_harvest_command(codeit, tmp_path):
    """A harvest from a baseline-style folder: the one right program kept, a wrong one and a foreign task ignored; an
    --out that is a symbolic link refused."""
    from codeit_nb.harvest import harvest_targets
    target = sorted(t for t in harvest_targets() if t not in arc1('evaluation'))[0]
    src = tmp_path / 'src' / 'tasks'
    src.mkdir(parents=True)
    rows = [{'program': 'O = vmirror(I)', 'demo_acc': 1.0}, {'program': 'O = I', 'demo_acc': 1.0}]  # wrong; no parse
    (src / f'{target}.json').write_text(json.dumps(rows))
    (src / '007bbfb7.json').write_text(json.dumps([{'program': 'O = I', 'demo_acc': 1.0}]))  # not a target
    r = codeit('solvers', 'harvest', '--from', tmp_path / 'src', '--out', tmp_path / 'col', '--json')
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got['harvested'] == 0 and got['found'] == 2, got
    (tmp_path / 'elsewhere').mkdir()
    (tmp_path / 'linked').symlink_to(tmp_path / 'elsewhere')  # an --out that is a link: refused, nothing written through it
    one_line_error(codeit('solvers', 'harvest', '--from', tmp_path / 'src', '--out', tmp_path / 'linked'),
                   tmp_path / 'linked', 'a symbolic link')
    assert not list((tmp_path / 'elsewhere').iterdir())
    (src / f'{target}.json').write_text('{not json')
    one_line_error(codeit('solvers', 'harvest', '--from', tmp_path / 'src', '--out', tmp_path / 'col'), target, 'not a task result file')
    one_line_error(codeit('solvers', 'harvest', '--from', tmp_path / 'nowhere'), 'nowhere', 'no run.db')
    one_line_error(codeit('solvers', 'harvest', '--samples', '10'), '--work')


def test_solvers_belong_to_their_training_set():
    assert set(solver_ids('arc1/training')) <= set(arc1('training'))
    new = set(solver_ids('arc2/training'))
    assert new <= set(arc2('training'))
    assert not new & set(arc1('training')), 'an ARC-AGI-1 training task: its solver belongs in solver_programs/'


def test_arc2_solvers_verified():
    r = verify_solvers(task_set='arc2/training')
    assert r['verified'] == len(solver_ids('arc2/training')) >= 100, {t: s for t, s in r['tasks'].items() if s != 'verified'}
