"""The dashboard: what it calls solved is what `codeit results` calls solved; and in a real browser, a micro run in one
process, `codeit dashboard` in another, Chromium driven by Playwright.

The browser tests need Debian chromium at /usr/bin/chromium (`make chromium`); never `playwright install`.
Panel renders inside shadow DOM, so everything is found with Playwright locators.
Timings are not checked here: `codeit bench dashboard` measures the first render (see BENCHMARKS.md).
"""
import json
import os
import re
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from codeit_nb.run_view import ORIGINS
from conftest import codeit_exe

CHROMIUM = '/usr/bin/chromium'
browser = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                             reason='browser tests need Debian chromium at /usr/bin/chromium (make chromium)')
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic']


@contextmanager
def dashboard(run_dir):
    "Serve `codeit dashboard RUN_DIR` (the console script) on a free port; yields the page's url."
    from codeit_nb.dashboard import served
    log = Path(run_dir).parent / f'dashboard-{Path(run_dir).name}.log'
    with served(run_dir, log, exe=codeit_exe()) as (url, _):
        assert log.read_text().startswith(f'dashboard of {run_dir} at {url}')
        yield url


@pytest.fixture
def shots(tmp_path) -> Path:
    "Where screenshots go: $DASHBOARD_SHOTS if set (to look at them), else the test's temporary directory."
    d = Path(os.environ.get('DASHBOARD_SHOTS') or tmp_path / 'shots')
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope='module')
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


STATUS = r'iterations done: (\d+) / \d+ · samples: (\d+) · buffer: \d+ · candidates: \d+ · solved \(pass@3\): (\d+) / (\d+)'


def status_numbers(page) -> tuple:
    "(iterations done, samples, tasks solved, search tasks) as the overview shows them, or None while it shows none."
    loc = page.get_by_text(re.compile(STATUS))
    if loc.count() == 0: return None
    m = re.search(STATUS, loc.first.text_content())
    return tuple(map(int, m.groups())) if m else None


def tab(page, name):
    "Switch to the dashboard tab `name`."
    page.get_by_text(name, exact=True).first.click()


def results_solved(codeit, run_dir) -> list:
    "The solved task ids that `codeit results DIR --json` reports."
    r = codeit('results', run_dir, '--json')
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)['solved']


def test_dashboard_and_results_agree_on_solved(tmp_path, codeit):
    "The same run: the dashboard's solved tasks (status line, task table, candidates tab) are `codeit results --json`'s."
    import panel as pn
    from codeit_nb.data import arc1
    from codeit_nb.scoring import Candidate
    from codeit_nb.store import RunStore
    from codeit_nb.run_view import RunReader, run_overview, task_table
    from codeit_nb.dashboard import Dashboard, CandidatesView
    tasks = list(arc1('evaluation').values())[:4]
    a, b, c, d = tasks
    assert all(p.input != p.output for t in tasks for p in t.test)  # so that "output = input" is a wrong answer
    right = lambda t: tuple(p.output for p in t.test)
    wrong = lambda t: tuple(p.input for p in t.test)
    cands = [  # a: only the mutation baseline's candidate (stored at seeding, iteration -1) is right
             Candidate(a.id, 'O = vmirror(I)', 1.0, 1, right(a), 'mutation', -1), Candidate(a.id, 'O = hmirror(I)', 0.5, 1, wrong(a), 'policy', 0),
             # b: right, but ranked fourth: not solved at pass@3
             *[Candidate(b.id, f'O = rot{k}(I)', 1.0, 1, wrong(b), 'policy', 0) for k in (90, 180, 270)],
             Candidate(b.id, 'O = dmirror(I)', 0.75, 1, right(b), 'policy', 1),
             # c: right and ranked third, after two shorter programs of the same accuracy (rank_key: accuracy, lines, text)
             Candidate(c.id, 'O = rot90(I)', 0.5, 1, wrong(c), 'policy', 0), Candidate(c.id, 'O = rot180(I)', 0.5, 1, wrong(c), 'mutation', -1),
             Candidate(c.id, 'x1 = rot90(I)\nO = rot90(x1)', 0.5, 2, right(c), 'policy', 1),
             Candidate(c.id, 'x1 = rot270(I)\nO = dmirror(x1)', 0.25, 2, wrong(c), 'policy', 1),
             # d: nothing right
             Candidate(d.id, 'O = cmirror(I)', 1.0, 1, wrong(d), 'policy', 1)]
    st = RunStore(tmp_path / 'run' / 'run.db')
    with st.transaction():
        st.set_meta('config', {'iterations': 2})
        st.add_tasks(tasks, 'search')
        st.add_candidates(cands, {t.id: t for t in tasks})
        st.mark(-1, 'seed')
    st.close()
    expected = sorted([a.id, c.id])
    assert results_solved(codeit, tmp_path / 'run') == expected
    r = RunReader(tmp_path / 'run')
    assert r.connect()
    assert run_overview(r)['solved'] == expected
    assert [x['task_id'] for x in task_table(r) if x['solved']] == expected
    dash = Dashboard(tmp_path / 'run')
    assert 'solved (pass@3): 2 / 4' in dash.overview.counts.object, dash.overview.counts.object
    choice = pn.widgets.Select(options=[t.id for t in tasks])
    view = CandidatesView(r, choice)
    for t in tasks:
        choice.value = t.id
        view.refresh()
        assert ('solved at pass@3: <span class="ok">' in view.body.object) == (t.id in expected), t.id
    dash.stop()
    r.close()


@browser
def test_dashboard_follows_a_live_run(tmp_path, chromium, shots, codeit):
    from codeit_nb.store import RunStore
    run_dir = tmp_path / 'run'
    run_dir.mkdir()
    with dashboard(run_dir) as url:
        page = chromium.new_page(viewport={'width': 1400, 'height': 1000})
        page.goto(url)
        page.get_by_text('waiting for run.db').wait_for(timeout=30_000)  # no run yet
        # the micro preset with three iterations, trimmed to keep this test short on two cores: without pretraining (A4)
        # the whole run takes ~25 s here, against ~2.5 min with it (a pretrained micro policy's samples are slow to run)
        run = subprocess.Popen([codeit_exe(), 'run', '--preset', 'micro', '--out', str(run_dir), '--set', 'iterations=3',
                                'samples_per_task=2', 'n_policy=16', 'n_mutated=8', '--ablation', 'A4'],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seen, deadline, ended = [], time.time() + 400, None
        while time.time() < deadline:
            s = status_numbers(page)
            if s and s not in seen: seen.append(s)
            if s and s[0] == 3: break
            if run.poll() is not None:  # the run is over: the page has a few ticks to show it
                ended = ended or time.time()
                if time.time() - ended > 20: break
            page.wait_for_timeout(500)
        err = run.communicate(timeout=120)[1]
        assert run.returncode == 0, err[-2000:]
        page.screenshot(path=str(shots / 'live-overview.png'), full_page=True)
        # the figures moved while the run wrote: fewer iterations and samples first, then all three iterations
        assert seen and seen[0][0] < 3 and seen[-1][0] == 3, seen
        assert seen[-1][1] > seen[0][1], seen
        st = RunStore(run_dir / 'run.db', readonly=True)
        q1 = lambda sql: st.query(sql)[0]['v']
        assert seen[-1][1] == q1('SELECT count(*) AS v FROM samples')
        assert seen[-1][2:] == (len(results_solved(codeit, run_dir)), len(st.search_tasks()))  # the solved count is `codeit results`'
        # the collapse indicators of every iteration are in the overview's table
        for name in ('median_lines', 'identity_rate', 'copy_rate'): page.get_by_text(name, exact=True).first.wait_for(timeout=30_000)
        last = st.iterations()[-1]
        for rate in (last['identity_rate'], last['copy_rate']):  # the last row's rates, as the table shows them
            if rate is not None: page.get_by_text(f'{100 * rate:.0f} %', exact=True).first.wait_for(timeout=30_000)
        assert page.locator('canvas').count() >= 3  # the solve-rate, buffer-pool and collapse figures

        tab(page, 'Tasks')  # ARC grids of the chosen task
        page.locator('img.arcgrid').first.wait_for(timeout=30_000)
        assert page.locator('img.arcgrid').count() >= 4
        page.screenshot(path=str(shots / 'live-tasks.png'), full_page=True)

        tab(page, 'Samples')  # program text, realised outputs beside targets
        first = st.query('SELECT program FROM samples WHERE task_id = (SELECT min(task_id) FROM tasks) ORDER BY iteration, id LIMIT 1')[0]['program']
        page.get_by_text(first.splitlines()[0]).first.wait_for(timeout=30_000)
        assert page.get_by_text(re.compile(r'page 1 of \d+ \(\d+ samples\)')).count() == 1
        assert page.locator('img.arcgrid').count() >= 3 * 8
        page.screenshot(path=str(shots / 'live-samples.png'), full_page=True)

        tab(page, 'Buffer')  # the demonstration-accuracy histogram (Bokeh canvases) and its counts
        page.get_by_text('Demonstration accuracy of the buffer').wait_for(timeout=30_000)
        counts = st.buffer_counts()
        line = page.get_by_text(re.compile(r'buffer now: solver: \d+ · mutation: \d+ · random: \d+ · policy: \d+'))
        line.wait_for(timeout=30_000)
        assert all(f'{o}: {counts.get(o, 0)}' in line.text_content() for o in ORIGINS), (line.text_content(), counts)
        assert set(counts) <= set(ORIGINS), counts  # every origin shown
        page.wait_for_timeout(1000)
        assert page.locator('canvas').count() >= 2
        page.screenshot(path=str(shots / 'live-buffer.png'), full_page=True)

        tab(page, 'Program diff')
        page.get_by_text(re.compile(r'iteration 2')).first.wait_for(timeout=30_000)

        tab(page, 'Tasks')  # a click on a row chooses the task of every tab
        other = st.search_tasks()[-1]
        page.locator('.tabulator-cell', has_text=other).first.click()
        page.get_by_text(re.compile(f'{other} arc1/evaluation')).wait_for(timeout=30_000)
        tab(page, 'Samples')
        page.get_by_text(re.compile(f'{other} inputs, targets')).wait_for(timeout=30_000)
        page.close()
        st.close()


@browser
def test_served_page_of_a_synthetic_run(tmp_path, chromium, shots, codeit):
    "A finished synthetic run, served: the page shows exactly the store's numbers; the bench reports every figure."
    from codeit_nb.store import RunStore, synthetic_store
    from codeit_nb.dashboard import first_render_seconds, bench_dashboard
    run_dir = tmp_path / 'synthetic'
    synthetic_store(run_dir, n_samples=10_000, n_tasks=100, iterations=5)
    st = RunStore(run_dir / 'run.db', readonly=True)
    n, solved = st.query('SELECT count(*) AS n FROM samples')[0]['n'], results_solved(codeit, run_dir)
    assert n == 10_000 and len(solved) == st.iterations()[-1]['solved_cumulative'] > 0
    assert first_render_seconds(run_dir)['samples'] == n
    with dashboard(run_dir) as url:
        page = chromium.new_page(viewport={'width': 1400, 'height': 1000})
        page.goto(url)
        page.get_by_text('iterations done: 5 / 5').wait_for(timeout=30_000)
        assert status_numbers(page) == (5, n, len(solved), 100)
        with urllib.request.urlopen(url, timeout=30) as r: assert r.status == 200 and b'<html' in r.read().lower()  # a second session
        page.screenshot(path=str(shots / 'synthetic-overview.png'))
        page.close()
    b = bench_dashboard(repeats=1, run_dir=run_dir)
    assert b['samples'] == n and b['store_written_s'] is None
    assert all(isinstance(b[k], float) and b[k] > 0 for k in ('build_s', 'models_s', 'first_render_s', 'served_first_s', 'served_next_s')), b
    st.close()
