"""The `codeit` command line, run as a subprocess like a user would."""
import json

import pytest

from conftest import one_line_error


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
    ('bench', 'priority', '--preset', 'micro', '--arms', 'age'),
    ('bench', 'priority', '--preset', 'huge'),
    ('bench', 'priority', '--preset', 'micro', '--seed', '0', '1', '--arms', 'uniform'),
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


# --- issue 18: settings checked before anything is written, one writer, small ones ---
import fcntl, os, shutil, subprocess
from pathlib import Path




def test_data_show_unknown_picture_format(codeit, tmp_path):
    one_line_error(codeit('data', 'show', '007bbfb7', '--out', tmp_path / 'x.weird'), 'x.weird', 'picture formats')
    assert list(tmp_path.iterdir()) == []


def test_data_show_into_a_folder_prints_the_real_path(codeit, tmp_path):
    r = codeit('data', 'show', '007bbfb7', '--out', tmp_path)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()) == tmp_path / '007bbfb7.png' and (tmp_path / '007bbfb7.png').is_file()


def test_bad_setting_does_not_poison_the_directory(codeit, tmp_path):
    out = tmp_path / 'run'
    one_line_error(codeit('run', '--preset', 'micro', '--out', out, '--set', 'threads=0'), 'threads=0', '1 to 256')
    assert not (out / 'run.db').exists()
    one_line_error(codeit('run', '--resume', '--out', out), 'no run to resume', 'no run was started there')
    r = codeit('run', '--preset', 'micro', '--out', out, '--set', 'iterations=0', 'no_pretrain=true', 'mutation_candidates=false', '--json')
    assert r.returncode == 0, r.stderr  # a fresh start works


def test_check_writes_nothing(codeit, tmp_path):
    r = codeit('run', '--preset', 'micro', '--out', tmp_path / 'run', '--check', '--set', 'iterations=7')
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)['iterations'] == 7 and not (tmp_path / 'run').exists()


def _synthetic_run(d):
    from codeit_nb.testing import synthetic_store
    synthetic_store(d, n_samples=64, n_tasks=4, iterations=2)
    return d


def test_second_writer_refused_naming_the_pid(codeit, tmp_path):
    out = _synthetic_run(tmp_path / 'run')
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)  # this process writes the run: the lock is the directory's, the pid in .lock
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB); (out / '.lock').write_text(str(os.getpid()))
        r = codeit('run', '--resume', '--out', out)
        assert r.stderr == f'codeit: error: {out} is being written by pid {os.getpid()}\n' and r.returncode == 2
        one_line_error(codeit('run', '--resume', '--out', out, '--check'), f'pid {os.getpid()}')
        assert codeit('results', out).returncode == 0  # readers do not take the lock
    finally: os.close(fd)


def test_results_of_a_read_only_run_directory(codeit, tmp_path):
    out = _synthetic_run(tmp_path / 'run')
    ro = tmp_path / 'ro'; ro.mkdir()
    if os.geteuid() != 0 or subprocess.run(['mount', '--bind', str(out), str(ro)]).returncode: pytest.skip('needs root to bind-mount')
    try:
        subprocess.run(['mount', '-o', 'remount,bind,ro', str(ro)], check=True)
        r = codeit('results', ro)
        assert r.returncode == 0, r.stderr
        assert 'plot: not written' in r.stdout and '--out PNG' in r.stdout
        r = codeit('results', ro, '--out', tmp_path / 'elsewhere.png')
        assert r.returncode == 0 and (tmp_path / 'elsewhere.png').stat().st_size > 1000, r.stderr
    finally: subprocess.run(['umount', str(ro)])
    one_line_error(codeit('results', out, '--out', tmp_path / 'plot.weird'), 'plot.weird', '.png')
