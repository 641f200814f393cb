"""The `codeit` command line, run as a subprocess like a user would."""
import json

import pytest


def test_data_info_json(codeit):
    r = codeit('data', 'info', '--json')
    assert r.returncode == 0, r.stderr
    assert r.stderr == ''
    info = json.loads(r.stdout)  # exactly one JSON object
    assert info['arc1'] == {'training': 400, 'evaluation': 400}
    assert info['arc2']['training'] > 400 and info['arc2']['evaluation'] > 0
    assert info['task']['id'] == '007bbfb7'
    assert info['task']['train'] == 5 and info['task']['colours'] == [0, 2, 4, 6, 7]


def test_data_info_text(codeit):
    r = codeit('data', 'info', '--task', '3bd67248')
    assert r.returncode == 0, r.stderr
    assert 'ARC-AGI-1: 400 training, 400 evaluation' in r.stdout
    assert 'task 3bd67248 (arc1/training)' in r.stdout


@pytest.mark.parametrize('args', [
    ('data', 'info', '--task', 'not-a-task'),
    ('data', 'show', 'not-a-task'),
    ('data', 'info', '--bogus'),
])
def test_bad_input_is_one_line(codeit, args):
    r = codeit(*args)
    assert r.returncode == 2
    assert r.stdout == ''
    assert r.stderr.startswith('codeit: error: ') and r.stderr.count('\n') == 1, r.stderr
    assert 'Traceback' not in r.stderr


def test_unknown_task_message(codeit):
    r = codeit('data', 'info', '--task', 'not-a-task')
    assert r.stderr == "codeit: error: unknown task id 'not-a-task': not in ARC-AGI-1 or ARC-AGI-2 (training or evaluation)\n"


def test_data_show_writes_png(codeit, tmp_path):
    out = tmp_path / 'deep' / 'task.png'
    r = codeit('data', 'show', '007bbfb7', '--out', out)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(out)
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_data_show_unwritable(codeit, tmp_path):
    (tmp_path / 'a_file').write_text('')
    r = codeit('data', 'show', '007bbfb7', '--out', tmp_path / 'a_file' / 'task.png')
    assert r.returncode == 2
    assert r.stderr.startswith('codeit: error: cannot write') and r.stderr.count('\n') == 1, r.stderr


def test_user_task_file(codeit, tmp_path):
    f = tmp_path / 'mine.json'
    f.write_text(json.dumps({'train': [{'input': [[1, 2]], 'output': [[2, 1]]}], 'test': [{'input': [[3, 4]]}]}))
    r = codeit('data', 'info', '--json', '--task', f)
    assert r.returncode == 0, r.stderr
    task = json.loads(r.stdout)['task']
    assert (task['id'], task['split'], task['shapes']['test']) == ('mine', 'user', [[[1, 2], None]])


def test_no_command_shows_help(codeit):
    r = codeit()
    assert r.returncode == 2 and 'data' in r.stderr
    assert codeit('--help').returncode == 0
