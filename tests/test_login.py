"""Logins of `codeit dashboard --basic-auth FILE` (issue 30): judged against the users read at start, never against the
file's path once the file is gone nor a file rewritten since; hashes written by `codeit dashboard passwd`; a wait after
each wrong login, growing, one login at a time per address; nothing left in the temporary directory."""
import http.cookiejar
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from _net import free_port, listening
from conftest import codeit_exe


def _passwd(path, user, password):
    "`codeit dashboard passwd PATH USER` with `password` on standard input."
    return subprocess.run([codeit_exe(), 'dashboard', 'passwd', str(path), user], input=password + '\n',
                          capture_output=True, text=True, timeout=120)


def test_passwd_writes_a_salted_hash(tmp_path):
    users = tmp_path / 'users.json'
    r = _passwd(users, 'me', 'short')
    assert (r.returncode, r.stdout, r.stderr) == (2, '', f'codeit: error: password: shorter than 8 characters; {users} is unchanged\n')
    assert not users.exists()
    r = _passwd(users, 'me', 'a long secret')
    assert r.returncode == 0 and r.stderr == '', r.stderr
    text = users.read_text()
    entry = json.loads(text)['me']
    assert 'a long secret' not in text and entry.startswith('pbkdf2_sha256$600000$'), text
    assert oct(users.stat().st_mode & 0o777) == '0o600'
    assert _passwd(users, 'you', 'a long secret').returncode == 0
    stored = json.loads(users.read_text())
    assert stored['me'] == entry and stored['you'].startswith('pbkdf2_sha256$') and stored['you'] != entry  # kept; salted
    users.write_text('{"me": ')
    r = _passwd(users, 'me', 'a long secret')
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and str(users) in r.stderr, r.stderr


def _login(url, user, password):
    "(logged in, status, seconds) of a POST of the login form as a new browser."
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    req = urllib.request.Request(url + 'login', data=urlencode({'username': user, 'password': password}).encode())
    t0 = time.perf_counter()
    try:
        with opener.open(req, timeout=120) as r: status, where, body = r.status, r.geturl(), r.read().decode()
    except urllib.error.HTTPError as e: status, where, body = e.code, url, e.read().decode()
    took = time.perf_counter() - t0
    if status != 200: return False, status, took
    ok = '/login' not in where and 'bokeh' in body.lower()
    assert ok or 'Invalid' in body, (where, body[:300])
    return ok, status, took


def test_logins_are_judged_by_the_users_read_at_start(tmp_path):
    run, tmp = tmp_path / 'run', tmp_path / 'tmp'
    run.mkdir(); tmp.mkdir()
    users = tmp_path / 'users.json'
    assert _passwd(users, 'me', 'a long secret').returncode == 0
    from codeit_nb.dashboard_args import hash_password
    old = hash_password('plain words here', iterations=1000)
    users.write_text(json.dumps({**json.loads(users.read_text()), 'old': old}))
    port, log = free_port(), tmp_path / 'dashboard.log'
    with open(log, 'w') as out:
        p = subprocess.Popen([codeit_exe(), 'dashboard', str(run), '--port', str(port), '--basic-auth', str(users)],
                             stdout=out, stderr=subprocess.STDOUT, env={**os.environ, 'TMPDIR': str(tmp)})
    try:
        deadline = time.time() + 120
        while not (listening(port) and log.read_text().endswith('\n')):
            assert p.poll() is None and time.time() < deadline, f'the dashboard did not start: {log.read_text()}'
            time.sleep(0.2)
        lines = log.read_text().splitlines()
        assert lines[0].startswith(f'dashboard of {run} at http://127.0.0.1:{port}/; log in as a user of {users}'), lines
        assert len(lines) == 1, lines  # no warning: every password is a hash (a plaintext one is refused at start)
        url = f'http://127.0.0.1:{port}/'
        assert _login(url, 'me', 'a long secret')[:2] == (True, 200)
        assert _login(url, 'old', 'plain words here')[:2] == (True, 200)  # a hash of fewer iterations logs in too

        t0 = time.perf_counter()  # three wrong guesses at once from one address: one at a time, 1 + 2 + 3 s
        with ThreadPoolExecutor(3) as pool: tries = list(pool.map(lambda _: _login(url, 'me', 'wrong guess'), range(3)))
        assert [t[:2] for t in tries] == [(False, 200)] * 3, tries
        assert time.perf_counter() - t0 >= 6, tries
        assert _login(url, 'me', 'a long secret')[:2] == (True, 200)  # a right login clears the count

        users.rename(tmp_path / 'moved.json')  # Panel's basic_auth then took the path for the password of anyone
        for user in ('attacker', 'me'):
            ok, status, took = _login(url, user, str(users))
            assert (ok, status) == (False, 200) and took >= 1, (user, ok, status, took)
        assert _login(url, 'me', 'a long secret')[:2] == (True, 200)

        users.write_text('{"attacker": ')  # invalid JSON where the file was: still the users read at start, no HTTP 500
        assert _login(url, 'me', 'a long secret')[:2] == (True, 200)
        assert _login(url, 'attacker', str(users))[:2] == (False, 200)

        p.send_signal(signal.SIGTERM)
        assert p.wait(60) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert list(tmp.iterdir()) == []  # no codeit-login-* folder (nor anything else) left behind
