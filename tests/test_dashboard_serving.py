"""Serving the dashboard (issue 30, findings 6-8; issue 29, finding 3): TLS and when it is required, cookies, one-line
errors instead of tracebacks, a bounded `--period`, a run directory that does not exist yet, and the load test's
plumbing (never its figures: timings live in BENCHMARKS.md)."""
import html
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest

from _net import free_port, listening
from conftest import codeit_exe, one_line_error

PANEL_PATHS = ['/autoload.js', '/autoload.js?bokeh-autoload-element=x',
               '/autoload.js?bokeh-autoload-element=x&bokeh-app-path=/', '/metadata', '/components/x', '/ws',
               '/?bokeh-session-id=x', '/favicon.ico', '/logout', '/login?next=//evil.example/',
               '/static/extensions/panel/nothing.js', '/static/js/bokeh.min.js']  # asked for without a login


def _users(path, **users):
    "Write a login file of `users` (name -> password) as `codeit dashboard passwd` would (fewer iterations: quick)."
    from codeit_nb.dashboard_args import hash_password
    path.write_text(json.dumps({u: hash_password(p, iterations=1000) for u, p in users.items()}))
    return path


@contextmanager
def _serving(run_dir, *extra, tmp=None):
    "`codeit dashboard RUN_DIR --port P EXTRA...` (TMPDIR=`tmp` if given); yields (process, port, log) once it listens."
    port = free_port()
    log = Path(run_dir).parent / f'dashboard-{port}.log'
    env = {**os.environ, **({'TMPDIR': str(tmp)} if tmp else {})}
    with open(log, 'w') as out:
        p = subprocess.Popen([codeit_exe(), 'dashboard', str(run_dir), '--port', str(port), *map(str, extra)],
                             stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.time() + 120
        while not (listening(port) and log.read_text().endswith('\n')):
            assert p.poll() is None and time.time() < deadline, f'the dashboard did not start: {log.read_text()}'
            time.sleep(0.2)
        yield p, port, log
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try: p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _request(conn, method, path, body=None):
    "(status, headers, body) of one request on `conn` (an `http.client` connection; redirects are not followed)."
    headers = {'Content-Type': 'application/x-www-form-urlencoded'} if body else {}
    conn.request(method, path, body, headers)
    with conn.getresponse() as r: return r.status, r.headers, r.read().decode(errors='replace')


def _refusal(*args, timeout=90):
    "`codeit ARGS` that must end by itself (a refusal): a server that starts instead is killed, failing the test."
    try: return subprocess.run([codeit_exe(), *map(str, args)], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired: pytest.fail(f'codeit {" ".join(map(str, args))}: served instead of refusing')


def _cert(tmp_path):
    "A self-signed certificate for 127.0.0.1 and localhost, and its key (made by the openssl command)."
    if not shutil.which('openssl'): pytest.skip('needs the openssl command to make a test certificate')
    cert, key = tmp_path / 'cert.pem', tmp_path / 'key.pem'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', str(key), '-out', str(cert),
                    '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
                   check=True, capture_output=True, timeout=120)
    return cert, key


# --- finding 6: one line, never a traceback ---

def test_bench_dashboard_refuses_a_run_db_that_is_no_database(codeit, tmp_path):
    "`codeit bench dashboard --dir X`, run.db random bytes or empty: one line naming it (was an AttributeError)."
    for name, data in (('random', os.urandom(16384)), ('empty', b'')):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'run.db').write_bytes(data)
        one_line_error(codeit('bench', 'dashboard', '--dir', tmp_path / name, '--repeats', '1'), tmp_path / name)


def test_panel_paths_without_a_login_log_no_traceback(tmp_path):
    "With a login, `/autoload.js` and Panel's other paths asked for without one get a redirect or a 4xx, no traceback."
    (tmp_path / 'run').mkdir()
    users = _users(tmp_path / 'users.json', me='a long secret')
    with _serving(tmp_path / 'run', '--basic-auth', users) as (p, port, log):
        c = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
        answers = {path: _request(c, 'GET', path)[0] for path in PANEL_PATHS}
        c.close()
        status = _request(http.client.HTTPConnection('127.0.0.1', port, timeout=60), 'GET',
                          '/autoload.js?bokeh-autoload-element=x')
        assert status[0] == 302 and status[1]['Location'].startswith('/login'), status[:2]
        time.sleep(1)  # (what the server logs for the last ones)
        text = log.read_text()
    assert all(code < 500 for code in answers.values()), answers
    assert 'Traceback' not in text and 'Uncaught exception' not in text, text


# --- finding 7: TLS, cookies, plaintext passwords, no temp folders ---

def test_tls_serves_https_with_secure_cookies_and_leaves_nothing_behind(tmp_path):
    "With --ssl-certfile/--ssl-keyfile the page and the login are HTTPS only; the login's cookies are Secure, SameSite."
    cert, key = _cert(tmp_path)
    (tmp_path / 'run').mkdir(); (tmp_path / 'tmp').mkdir()
    users = _users(tmp_path / 'users.json', me='a long secret')
    tls_args = ('--basic-auth', users, '--ssl-certfile', cert, '--ssl-keyfile', key)
    with _serving(tmp_path / 'run', *tls_args, tmp=tmp_path / 'tmp') as (p, port, log):
        banner = log.read_text()
        assert banner.startswith(f'dashboard of {tmp_path / "run"} at https://127.0.0.1:{port}/'), banner
        tls = ssl.create_default_context(cafile=str(cert))
        c = http.client.HTTPSConnection('127.0.0.1', port, context=tls, timeout=60)
        status, headers, body = _request(c, 'GET', '/login')
        assert status == 200 and 'password' in body.lower(), (status, body[:300])
        form = urlencode({'username': 'me', 'password': 'a long secret'})
        status, headers, body = _request(c, 'POST', '/login', form)
        cookies = headers.get_all('Set-Cookie')
        assert status == 302 and {x.split('=')[0] for x in cookies} >= {'user', 'id_token'}, (status, cookies)
        for x in cookies: assert '; Secure' in x and 'SameSite=Strict' in x, x
        jar = '; '.join(x.split(';')[0] for x in cookies if not x.startswith('is_guest'))
        c.request('GET', '/', headers={'Cookie': jar})
        with c.getresponse() as r: assert r.status == 200 and b'bokeh' in r.read().lower()
        c.close()
        plain = http.client.HTTPConnection('127.0.0.1', port, timeout=30)  # plain HTTP gets no page
        with pytest.raises((OSError, http.client.HTTPException)): _request(plain, 'GET', '/login')
        p.send_signal(signal.SIGTERM)
        assert p.wait(60) == 0
    assert 'Traceback' not in log.read_text(), log.read_text()
    assert list((tmp_path / 'tmp').iterdir()) == []  # no codeit-login-* folder, nor anything else


def test_off_loopback_needs_tls_or_insecure_http_on_purpose(tmp_path):
    "Off loopback: TLS, or `--insecure-http` with a one-line warning; certificate or key files unfit to serve: named."
    (tmp_path / 'run').mkdir()
    users = _users(tmp_path / 'users.json', me='a long secret')
    off = ('dashboard', tmp_path / 'run', '--address', '0.0.0.0', '--port', free_port(), '--basic-auth', users)
    one_line_error(_refusal(*off), '--address 0.0.0.0: listening off loopback needs TLS', '--insecure-http')
    one_line_error(_refusal(*off, '--ssl-certfile', tmp_path / 'no-cert.pem'), '--ssl-keyfile')
    no_cert = tmp_path / 'no-cert.pem'
    one_line_error(_refusal(*off, '--ssl-certfile', no_cert, '--ssl-keyfile', users), f'--ssl-certfile {no_cert}')
    one_line_error(_refusal(*off, '--ssl-certfile', users, '--ssl-keyfile', tmp_path), f'--ssl-keyfile {tmp_path}')
    one_line_error(_refusal(*off, '--ssl-certfile', users, '--ssl-keyfile', users), f'--ssl-certfile {users}',
                   'not a PEM certificate')
    with _serving(tmp_path / 'run', '--address', '0.0.0.0', '--basic-auth', users, '--insecure-http') as (p, port, log):
        deadline = time.time() + 30
        while 'warning' not in log.read_text() and time.time() < deadline: time.sleep(0.2)
        lines = log.read_text().splitlines()
        assert lines[0].startswith(f'dashboard of {tmp_path / "run"} at http://'), lines
        assert lines[1].startswith('codeit: warning: --insecure-http: serving plain HTTP on 0.0.0.0'), lines


def test_plaintext_passwords_are_refused(tmp_path):
    "A password stored as it is: one line naming the file, the user, and `codeit dashboard passwd` (was a warning)."
    users = tmp_path / 'users.json'
    users.write_text(json.dumps({'me': 'a long secret'}))
    (tmp_path / 'run').mkdir()
    r = _refusal('dashboard', tmp_path / 'run', '--basic-auth', users)
    one_line_error(r, f'--basic-auth {users}', "user 'me'", 'stored as it is', f'codeit dashboard passwd {users} me')
    r = subprocess.run([codeit_exe(), 'dashboard', 'passwd', str(users), 'me'], input='a long secret\n',
                       capture_output=True,
                       text=True, timeout=120)  # the helper replaces it by a hash
    assert r.returncode == 0, r.stderr
    assert json.loads(users.read_text())['me'].startswith('pbkdf2_sha256$')


# --- finding 8: a bounded period; the load test's plumbing ---

@pytest.mark.parametrize('period', ['1e-9', '0', '0.4', '3601', 'nan'])
def test_period_is_bounded(tmp_path, period):
    one_line_error(_refusal('dashboard', tmp_path, '--period', period),
                   f'--period {float(period):g}: must be from 0.5 to 3600 seconds')


def test_bench_dashboard_load_test_plumbing(codeit, tmp_path):
    "`codeit bench dashboard` at a tiny scale: every figure is there (page CPU, load test); no timing is judged."
    from codeit_nb.testing import synthetic_store
    synthetic_store(tmp_path / 'run', n_samples=60, n_tasks=3, iterations=1)
    r = codeit('bench', 'dashboard', '--dir', tmp_path / 'run', '--repeats', '1', '--clients', '2', '--requests', '2',
               '--seconds', '120', '--json')
    assert r.returncode == 0, r.stderr
    b = json.loads(r.stdout)
    assert (b['samples'], b['load_clients'], b['load_pages'], b['load_errors']) == (60, 2, 4, 0), b
    for k in ('first_render_s', 'served_first_s', 'served_next_s', 'page_cpu_s', 'load_median_s', 'load_p95_s',
              'load_max_s'):
        assert b[k] is None or b[k] >= 0, (k, b)
    assert b['load_median_s'] <= b['load_p95_s'] <= b['load_max_s'], b
    one_line_error(codeit('bench', 'dashboard', '--clients', '0'), '--clients must be at least 1')
    one_line_error(codeit('bench', 'dashboard', '--seconds', '1000'), '--seconds 1000')


# --- issue 29, finding 3: started before the run directory exists ---

def _status(port) -> str:
    "The status line of a new session of the dashboard on `port`, as text (its document, pulled over the websocket)."
    import panel as pn
    from bokeh.client import pull_session
    pn.extension('tabulator')  # (the client must know Panel's models)
    with pull_session(url=f'http://127.0.0.1:{port}/') as s:
        texts = [html.unescape(str(getattr(m, 'text', ''))) for m in s.document.select({})]  # (held escaped)
    texts = [re.sub(r'<[^>]+>', '', t.split('</style>')[-1]) for t in texts if 'class="muted"' in t]
    return next((t for t in texts if 'run.db' in t or 'read at' in t), '')


def test_dashboard_waits_for_a_run_directory_made_later(codeit, tmp_path):
    "`codeit dashboard DIR` before `codeit run` makes DIR: it serves, says it waits for run.db, then shows the run."
    from codeit_nb.testing import synthetic_store
    run_dir = tmp_path / 'run'
    with _serving(run_dir) as (p, port, log):
        assert 'waiting for run.db' in _status(port)
        synthetic_store(run_dir, n_samples=60, n_tasks=3, iterations=1)  # the run starts: it makes the directory
        deadline = time.time() + 60
        while 'read at' not in (s := _status(port)):
            assert time.time() < deadline, s
            time.sleep(1)
        assert p.poll() is None
    (tmp_path / 'a-file').write_text('x')
    one_line_error(codeit('dashboard', tmp_path / 'a-file'), f'{tmp_path / "a-file"}: not a directory')
    one_line_error(codeit('dashboard', tmp_path / 'no' / 'run'),
                   f'{tmp_path / "no" / "run"}: no such run directory, nor its parent')
