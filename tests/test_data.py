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


# --- issue 18, item 2: hostile task files --------------------------------------------------------------------------------
import os, subprocess, time
from conftest import codeit_exe
from codeit_nb.data import MAX_PAIRS, MAX_TASK_BYTES

HOSTILE = {  # name: (file content, what the one-line message must say after "<file>: ")
    'long_int': ('{"train": [{"input": [[' + '7' * 5000 + ']], "output": [[1]]}], "test": [{"input": [[1]]}]}',
                 'train[0].input: row 0 col 0: colour an integer of 5000 digits is outside 0-9'),
    'long_negative': ('{"train": [{"input": [[1]], "output": [[-' + '1' * 9000 + ']]}], "test": [{"input": [[1]]}]}',
                      'train[0].output: row 0 col 0: colour an integer of 9000 digits is outside 0-9'),
    'long_int_as_list': ('{"train": ' + '9' * 5000 + ', "test": []}', "'train' is a int, expected a list of pairs"),
    'nested': ('{"train": ' + '[' * 100_000 + ']' * 100_000 + ', "test": []}', 'bad JSON: lists or objects nested too deeply'),
    'nested_objects': ('{"a": ' * 100_000 + '1' + '}' * 100_000, 'bad JSON: lists or objects nested too deeply'),
    'deep_cell': ({'train': [{'input': [[[[[[[[[[1]]]]]]]]]], 'output': [[1]]}], 'test': GOOD_TEST}, 'train[0].input: row 0 col 0: [[[...]]] is a list'),
    'many_pairs': ({'train': GOOD_TRAIN * 20_000, 'test': GOOD_TEST}, f"'train' has 20000 pairs, more than {MAX_PAIRS}"),
    'many_tests': ({'train': GOOD_TRAIN, 'test': GOOD_TEST * (MAX_PAIRS + 1)}, f"'test' has {MAX_PAIRS + 1} pairs"),
    'huge_file': (' ' * (MAX_TASK_BYTES + 1), f'{MAX_TASK_BYTES + 1} bytes, more than {MAX_TASK_BYTES} for a task file'),
    'huge_row': ({'train': [{'input': [[0] * 300_000], 'output': [[1]]}], 'test': GOOD_TEST}, 'train[0].input: grid is 1x300000, larger than 30x30'),
    'not_utf8': (b'{"train": "\xff\xfe"}', 'not UTF-8 text (invalid start byte at byte 11)'),
    'nan_cell': ('{"train": [{"input": [[NaN]], "output": [[1]]}], "test": [{"input": [[1]]}]}', 'row 0 col 0: nan is a float'),
}


@pytest.mark.parametrize('name', sorted(HOSTILE))
def test_hostile_file(tmp_path, name):
    content, fragment = HOSTILE[name]
    f = tmp_path / f'{name}.json'
    f.write_bytes(content) if isinstance(content, bytes) else write(f, content)
    t = time.perf_counter()
    with pytest.raises(TaskFormatError) as e:
        load_task_file(f)
    msg = str(e.value)
    assert msg.startswith(f'{f}: ') and fragment in msg and '\n' not in msg and len(msg) < 300, msg
    assert time.perf_counter() - t < 5


def test_a_huge_file_is_not_read(tmp_path, monkeypatch):
    f = tmp_path / 'sparse.json'
    with open(f, 'wb') as h: h.truncate(50 * 2**30)  # a 50 GB sparse file: refused by its size, before reading
    t = time.perf_counter()
    with pytest.raises(TaskFormatError, match='more than'):
        load_task_file(f)
    assert time.perf_counter() - t < 1


def _cli(*args, timeout=60):
    "`codeit ARGS` as a subprocess, with a timeout (a path that blocks must fail the test, not hang the suite)."
    return subprocess.run([codeit_exe(), *map(str, args)], capture_output=True, text=True, timeout=timeout)


def test_paths_that_are_not_regular_files(tmp_path):  # /dev/zero read forever; a FIFO blocked in open: only subprocesses try them
    import sys
    fifo = tmp_path / 'fifo.json'; os.mkfifo(fifo)
    zero = tmp_path / 'zero.json'; zero.symlink_to('/dev/zero')
    (tmp_path / 'dir.json').mkdir()
    for path in (fifo, zero, tmp_path / 'dir.json', '/dev/zero'):
        r = subprocess.run([sys.executable, '-c', f'from codeit_nb.data import load_task_file\nload_task_file({str(path)!r})'],
                           capture_output=True, text=True, timeout=60)
        assert r.stderr.strip().endswith(f'TaskFormatError: {path}: not a regular file (a task file is JSON text)'), r.stderr[-500:]
    for path in (fifo, zero):
        for args in (('data', 'show', path, '--out', tmp_path / 'x.png'), ('data', 'info', '--task', path)):
            r = _cli(*args)
            assert (r.returncode, r.stdout, r.stderr) == (2, '', f'codeit: error: {path}: not a regular file (a task file is JSON text)\n'), args
