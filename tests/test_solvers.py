"""The hand-written solvers: every one verified on all its pairs, and never one for an evaluation task (ARC-AGI-1's or
ARC-AGI-2's) — the house rule, checked here rather than trusted."""
from codeit_nb.data import arc1, arc2
from codeit_nb.solvers import SOLVER_DIRS, solver_ids, verify_solvers

EVALUATION = set(arc1('evaluation')) | set(arc2('evaluation'))


def test_no_solver_for_an_evaluation_task():
    for task_set in SOLVER_DIRS:
        assert not set(solver_ids(task_set)) & EVALUATION, task_set


def test_solvers_belong_to_their_training_set():
    assert set(solver_ids('arc1/training')) <= set(arc1('training'))
    new = set(solver_ids('arc2/training'))
    assert new <= set(arc2('training'))
    assert not new & set(arc1('training')), 'an ARC-AGI-1 training task: its solver belongs in solver_programs/'


def test_arc2_solvers_verified():
    r = verify_solvers(task_set='arc2/training')
    assert r['verified'] == len(solver_ids('arc2/training')) >= 100, {t: s for t, s in r['tasks'].items() if s != 'verified'}
