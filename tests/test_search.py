"""What a run searches (`search=`, issue 27 item 1): ARC-AGI-2's sets and a user's folder of tasks. The seed never holds
a searched task's solver — by id or by content — checked for every task set; a folder run end to end, a task without
test outputs searched and answered in the submission but not scored; the results and the baseline name what was
searched (item 4)."""
import json
from dataclasses import replace
from pathlib import Path

import pytest

from codeit_nb.data import arc1, arc2, task_set
from codeit_nb.loop_config import MICRO, SEARCH_SETS, config_with
from codeit_nb.loop_seed import task_sets, seed_tasks, search_name
from codeit_nb.solvers import task_content


@pytest.mark.parametrize('name', SEARCH_SETS)
def test_seed_never_holds_a_searched_task(name):
    cfg = replace(MICRO, search=name, n_search_tasks=0)
    seeds, search = task_sets(cfg)
    searched = {t.id for t in search}
    assert not set(seeds) & searched
    pool = seed_tasks(search_name(cfg))
    assert not {task_content(pool[t]) for t in seeds} & {task_content(t) for t in search}
    assert seeds and search


def test_a_copy_under_another_name_is_left_out(tmp_path):
    "A user's folder holding a training task under a new name: that task's solver leaves the seed."
    src = arc1('training')['007bbfb7']
    pair = lambda p: {'input': [list(r) for r in p.input], 'output': [list(r) for r in p.output]}
    (tmp_path / 'renamed.json').write_text(json.dumps({'train': [pair(p) for p in src.train],
                                                       'test': [pair(p) for p in src.test]}))
    seeds, search = task_sets(replace(MICRO, search=str(tmp_path), n_search_tasks=0))
    pool = seed_tasks(str(tmp_path))  # a folder is seeded by every collection (ARC-AGI-2's and harvested ones too)
    assert len(pool) > 400 and [t.id for t in search] == ['renamed'] and '007bbfb7' not in seeds
    assert len(seeds) == len(pool) - 1


def test_search_setting_is_checked(tmp_path):
    assert config_with(MICRO, {'search': str(tmp_path)}).search == str(tmp_path)
    with pytest.raises(ValueError, match="search='nowhere': expected one of"): config_with(MICRO, {'search': 'nowhere'})


def _write_task(path: Path, task, with_test_outputs: bool = True):
    grid = lambda g: [list(r) for r in g]
    pair = lambda p, out=True: {'input': grid(p.input), **({'output': grid(p.output)} if out else {})}
    path.write_text(json.dumps({'train': [pair(p) for p in task.train],
                                'test': [pair(p, with_test_outputs) for p in task.test]}))


def test_a_folder_is_searched_end_to_end(tmp_path, codeit):
    """A user's folder of three tasks, one without test outputs: the run searches all three, scores two, answers three;
    `codeit results` names the folder and counts the task without test outputs as answered only (issue 27 item 4)."""
    from codeit_nb.loop import Loop
    from codeit_nb.solvers import solver_ids
    d, tasks = tmp_path / 'mine', arc2('training')
    d.mkdir()
    ids = solver_ids('arc2/training')[:3]
    for k, t in enumerate(ids): _write_task(d / f'mine{k}.json', tasks[t], with_test_outputs=k > 0)
    out = tmp_path / 'run'
    lp = Loop(out, replace(MICRO, search=str(d), n_search_tasks=0, iterations=1), progress=False)
    lp.run()
    assert sorted(lp.tasks) == ['mine0', 'mine1', 'mine2']
    sub = json.loads((out / 'submission.json').read_text())
    assert sorted(sub) == ['mine0', 'mine1', 'mine2']  # every searched task is answered, the unscored one too
    assert len(sub['mine0']) == len(tasks[ids[0]].test)
    it = lp.store.iterations()[-1]
    assert it['solved_cumulative'] <= 2 and 0 <= it['cumulative'] <= 1
    lp.close()
    r = codeit('results', out, '--json')
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert (got['task_set'], got['scored_tasks'], got['unscored_tasks']) == (str(d), 2, 1)
    assert got['search_tasks'] == 3
    text = codeit('results', out).stdout
    assert text.startswith(f'searched: folder {d}: 3 tasks, 2 scored, 1 answered only (no test outputs)\n'), text
    assert (out / 'results.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_the_baseline_names_a_folder(tmp_path, codeit):
    "`codeit baseline --search DIR`: the summary names the folder; a task without test outputs is answered, unscored."
    d, tasks = tmp_path / 'mine', arc2('training')
    d.mkdir()
    for k, t in enumerate(sorted(tasks)[:3]): _write_task(d / f'{t}.json', tasks[t], with_test_outputs=k > 0)
    r = codeit('baseline', '--samples', '8', '--search', d, '--out', tmp_path / 'b', '--json')
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert (got['task_set'], got['scored_tasks'], got['unscored_tasks'], got['tasks']) == (str(d), 2, 1, 2)
    assert json.loads((tmp_path / 'b' / 'baseline.json').read_text())['task_set'] == str(d)
    assert sorted(json.loads((tmp_path / 'b' / 'submission.json').read_text())) == sorted(tasks)[:3]
    text = codeit('baseline', '--samples', '8', '--search', d, '--out', tmp_path / 'b').stdout
    assert f'searched: folder {d}: 3 tasks, 2 scored, 1 answered only (no test outputs)' in text, text


def test_results_name_a_folder_that_moved(tmp_path):
    "A run whose folder is gone since: still named by its path, its counts unknown."
    from codeit_nb.baseline import searched_line
    from codeit_nb.run_view import RunReader, run_searched
    from codeit_nb.store import RunStore
    (tmp_path / 'run').mkdir()
    st = RunStore(tmp_path / 'run' / 'run.db')
    st.set_meta('config', {'search': str(tmp_path / 'gone'), 'mode': 'eval'})
    st.close()
    r = RunReader(tmp_path / 'run')
    assert r.connect()
    named = run_searched(r)
    r.close()
    assert named == {'task_set': str(tmp_path / 'gone'), 'scored_tasks': None, 'unscored_tasks': None}
    assert searched_line(named) == f"folder {tmp_path / 'gone'} (its tasks cannot be read now)"
