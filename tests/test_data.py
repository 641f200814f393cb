"""Loading ARC data: the datasets, the dev split, and strict validation of users' task files."""
import json

import pytest
from hypothesis import given, strategies as st

from codeit_nb.data import (DEV_SPLIT_PATH, Pair, Task, TaskFormatError, arc1, as_grid, compute_dev_split,
                            dev_split, get_task, load_task_dir, load_task_file)

GOOD_TRAIN = [{'input': [[1, 0], [0, 1]], 'output': [[0, 1], [1, 0]]}]
GOOD_TEST = [{'input': [[1, 1], [0, 0]]}]

# name: (file content, a fragment the error message must contain after "<file>: ")
MALFORMED = {
    'bad_json': ('{"train": [1, 2,', 'bad JSON at line 1 column 17'),
    'empty_file': ('  \n', 'file is empty'),
    'top_level_list': ([GOOD_TRAIN], 'top level is a list'),
    'empty_task': ({}, 'empty task'),
    'missing_train': ({'test': GOOD_TEST}, "missing key 'train'"),
    'missing_test': ({'train': GOOD_TRAIN}, "missing key 'test'"),
    'train_not_list': ({'train': {'input': [[1]]}, 'test': GOOD_TEST}, "'train' is a dict"),
    'empty_train': ({'train': [], 'test': GOOD_TEST}, "'train' has no pairs"),
    'pair_not_object': ({'train': [[[1]]], 'test': GOOD_TEST}, 'train[0] is a list'),
    'missing_input': ({'train': [{'output': [[1]]}], 'test': GOOD_TEST}, "train[0]: missing 'input'"),
    'missing_output': ({'train': GOOD_TRAIN * 2 + [{'input': [[1]]}], 'test': GOOD_TEST}, "train[2]: missing 'output'"),
    'ragged': ({'train': GOOD_TRAIN, 'test': [{'input': [[1, 2, 3], [4, 5]]}]}, 'test[0].input: row 1 has 2 cells, row 0 has 3'),
    'colour_10': ({'train': [{'input': [[1]], 'output': [[0, 10]]}], 'test': GOOD_TEST}, 'train[0].output: row 0 col 1: colour 10 is outside 0-9'),
    'negative': ({'train': [{'input': [[-1]], 'output': [[0]]}], 'test': GOOD_TEST}, 'train[0].input: row 0 col 0: colour -1 is outside 0-9'),
    'float_cell': ({'train': [{'input': [[1.5]], 'output': [[0]]}], 'test': GOOD_TEST}, 'train[0].input: row 0 col 0: 1.5 is a float'),
    'bool_cell': ({'train': [{'input': [[True]], 'output': [[0]]}], 'test': GOOD_TEST}, 'train[0].input: row 0 col 0: True is a bool'),
    'string_cell': ({'train': [{'input': [['3']], 'output': [[0]]}], 'test': GOOD_TEST}, "train[0].input: row 0 col 0: '3' is a str"),
    'too_tall': ({'train': [{'input': [[0]] * 31, 'output': [[0]]}], 'test': GOOD_TEST}, 'train[0].input: grid is 31x1, larger than 30x30'),
    'too_wide': ({'train': GOOD_TRAIN, 'test': [{'input': [[0] * 40]}]}, 'test[0].input: grid is 1x40, larger than 30x30'),
    'empty_grid': ({'train': [{'input': [], 'output': [[0]]}], 'test': GOOD_TEST}, 'train[0].input: empty grid'),
    'empty_row': ({'train': [{'input': [[]], 'output': [[0]]}], 'test': GOOD_TEST}, 'train[0].input: row 0 is empty'),
    'grid_not_list': ({'train': [{'input': 7, 'output': [[0]]}], 'test': GOOD_TEST}, 'train[0].input: a grid is a list of rows, got int'),
}


def write(path, content):
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


@pytest.mark.parametrize('name', sorted(MALFORMED))
def test_malformed_file(tmp_path, name):
    content, fragment = MALFORMED[name]
    f = write(tmp_path / f'{name}.json', content)
    with pytest.raises(TaskFormatError) as e:
        load_task_file(f)
    msg = str(e.value)
    assert msg.startswith(f'{f}: ') and fragment in msg, msg
    assert isinstance(e.value, ValueError)


def test_good_file_and_dir(tmp_path):
    f = write(tmp_path / 'flip.json', {'train': GOOD_TRAIN, 'test': GOOD_TEST + [{'input': [[2]], 'output': [[3]]}]})
    t = load_task_file(f)
    assert t == Task('flip', 'user', (Pair(((1, 0), (0, 1)), ((0, 1), (1, 0))),),
                     (Pair(((1, 1), (0, 0)), None), Pair(((2,),), ((3,),))))
    assert load_task_dir(tmp_path) == {'flip': t}
    assert load_task_file(write(tmp_path / 'copy.json', t.to_dict())) == Task('copy', 'user', t.train, t.test)


def test_dir_errors(tmp_path):
    with pytest.raises(TaskFormatError, match='no .json task files'):
        load_task_dir(tmp_path)
    with pytest.raises(TaskFormatError, match='not a directory'):
        load_task_dir(tmp_path / 'missing')


def test_missing_file(tmp_path):
    with pytest.raises(TaskFormatError, match='cannot read'):
        load_task_file(tmp_path / 'missing.json')


@given(st.integers(1, 30).flatmap(lambda w: st.lists(st.lists(st.integers(0, 9), min_size=w, max_size=w), min_size=1, max_size=30)))
def test_as_grid_accepts_valid_grids(rows):
    g = as_grid(rows)
    assert g == tuple(map(tuple, rows)) and hash(g) == hash(as_grid(g))


def test_arc1_sizes_and_lookup():
    assert (len(arc1('training')), len(arc1('evaluation'))) == (400, 400)
    assert get_task('007bbfb7').split == 'arc1/training'
    with pytest.raises(KeyError, match='unknown task id'):
        get_task('zzzzzzzz')


def test_dev_split_file_matches_rule():
    assert DEV_SPLIT_PATH.exists(), 'data/arc1_dev_split.json is committed'
    stored = json.loads(DEV_SPLIT_PATH.read_text())
    split = compute_dev_split(stored['seed'])
    assert {'train': stored['train'], 'val': stored['val']} == split == dev_split(0)
    assert (len(split['train']), len(split['val'])) == (320, 80)
    assert not set(split['train']) & set(split['val'])
    assert set(split['train']) | set(split['val']) == set(arc1('training'))
