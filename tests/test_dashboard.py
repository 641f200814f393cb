"""The dashboard: what it calls solved is what `codeit results` calls solved; and in a real browser, a micro run in one
process, `codeit dashboard` in another, Chromium driven by Playwright.

The browser tests need Debian chromium at /usr/bin/chromium (`make chromium`); never `playwright install`.
Panel renders inside shadow DOM, so everything is found with Playwright locators.
Timings are not checked here: `codeit bench dashboard` measures the first render (see BENCHMARKS.md).
With CODEIT_SCREENSHOTS=1 the live-run test also writes the docs' pictures of every tab (nbs/images/dashboard/).
"""
import io
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from _net import free_port, listening

from codeit_nb.run_view import ORIGINS
from conftest import codeit_exe

ROOT = Path(__file__).resolve().parent.parent
DOCS_SHOTS = ROOT / 'nbs' / 'images' / 'dashboard'  # the pictures of the dashboard chapter (21_dashboard)
RANGES = 'could not set initial ranges'  # Bokeh's console warning for a figure it cannot find ranges for
CHROMIUM = '/usr/bin/chromium'
browser = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                             reason='browser tests need Debian chromium at /usr/bin/chromium (make chromium)')
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic']


@contextmanager
def dashboard(run_dir):
    "Serve `codeit dashboard RUN_DIR` (the console script) on a free port; yields the page's url."
    from codeit_nb.bench_dashboard import served
    log = Path(run_dir).parent / f'dashboard-{Path(run_dir).name}.log'
    with served(run_dir, log, exe=codeit_exe()) as (url, _, _):
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


STATUS = (r'iterations done: (\d+) / \d+ · programs drawn: \d+ · distinct programs run: (\d+) · buffer: \d+ entries · '
          r'candidates: \d+ · submitted, solved \(pass@3\): (\d+) / (\d+) tasks')


def status_numbers(page) -> tuple:
    "(iterations done, distinct programs run, tasks solved, search tasks) as the overview shows them, or None while none."
    loc = page.get_by_text(re.compile(STATUS))
    if loc.count() == 0: return None
    m = re.search(STATUS, loc.first.text_content())
    return tuple(map(int, m.groups())) if m else None


def tab(page, name):
    "Switch to the dashboard tab `name`."
    page.get_by_text(name, exact=True).first.click()


def docs_shot(page, name):
    """With CODEIT_SCREENSHOTS=1: the page as shown, for the docs, in `DOCS_SHOTS/NAME.png` (the blank below it cut,
    1000 px wide, 256 colours: under 150 KB); otherwise nothing (ordinary runs leave the committed pictures alone)."""
    if os.environ.get('CODEIT_SCREENSHOTS') != '1': return
    from PIL import Image, ImageChops
    page.wait_for_timeout(1500)  # (Bokeh draws its canvases after the panes arrive)
    im = Image.open(io.BytesIO(page.screenshot())).convert('RGB')
    box = ImageChops.difference(im, Image.new('RGB', im.size, 'white')).getbbox()
    im = im.crop((0, 0, im.width, min(im.height, box[3] + 16)))
    im = im.resize((1000, round(im.height * 1000 / im.width)), Image.LANCZOS).quantize(256)
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    im.save(DOCS_SHOTS / f'{name}.png', optimize=True)
    assert (DOCS_SHOTS / f'{name}.png').stat().st_size < 150_000, name


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
    from codeit_nb.dashboard import Dashboard
    from codeit_nb.dashboard_views import CandidatesView
    tasks = list(arc1('evaluation').values())[:4]
    a, b, c, d = tasks
    assert all(p.input != p.output for t in tasks for p in t.test)  # so that "output = input" is a wrong answer
    right = lambda t: tuple(p.output for p in t.test)
    wrong = lambda t: tuple(p.input for p in t.test)
    cands = [  # a: only the mutation baseline's candidate (stored at seeding, iteration -1) is right
             Candidate(a.id, 'O = vmirror(I)', 1.0, 1, right(a), 'mutation', -1), Candidate(a.id, 'O = hmirror(I)', 0.5, 1, wrong(a), 'policy', 0),
             # b: right, but its answer ranked fourth, after three different wrong answers: not solved at pass@3
             *[Candidate(b.id, f'O = rot{k}(I)', 1.0, 1, tuple(((k // 90,),) for _ in b.test), 'policy', 0) for k in (90, 180, 270)],
             Candidate(b.id, 'O = dmirror(I)', 0.75, 1, right(b), 'policy', 1),
             # c: right and its answer second, after the wrong one two shorter programs of the same accuracy give (votes)
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


def _views(r):
    "Every view of the dashboard over the reader `r` (the task views sharing one selector), each drawn once."
    import panel as pn
    from codeit_nb.dashboard_views import TaskBrowser, SamplesView, CandidatesView, BufferView, PriorityView, DiffView, Overview
    task = pn.widgets.Select(options=r.store.search_tasks(), value=r.store.search_tasks()[0])
    views = [Overview(r), TaskBrowser(r, task), SamplesView(r, task, page_size=2), CandidatesView(r, task, page_size=1),
             BufferView(r), PriorityView(r), DiffView(r, task)]
    for v in views: v.refresh()
    return task, views


def _page(views) -> str:
    "The text of every HTML pane of `views`."
    import panel as pn
    return '\n'.join(str(p.object) for v in views for p in v.layout.select(pn.pane.HTML))


def test_views_of_a_closed_or_removed_run_say_so(tmp_path):
    "Clicking a view whose run was closed, then removed, shows one line saying so where its data were; nothing raises."
    import shutil
    from codeit_nb.testing import synthetic_store
    from codeit_nb.run_view import RunReader
    synthetic_store(tmp_path / 'run', n_samples=96, n_tasks=4, iterations=2)
    r = RunReader(tmp_path / 'run')
    assert r.connect()
    task, (ov, tb, sv, cv, bv, pv, dv) = _views(r)
    assert sv.pager.pages > 1 and 'class="card"' in sv.cards.object
    r.close()
    closed = f"the run at {tmp_path / 'run'} is closed"
    tb._pick(1)  # a row of the task table: the task views redraw
    sv.pager.go(1)
    cv.pager.go(1)
    dv.among.value = 'candidates'
    pv.upto.value = 'seed'
    ov.refresh()
    for pane in (sv.cards, cv.body, dv.body, pv.table, ov.counts): assert closed in pane.object, pane.object
    assert 'class="card"' not in sv.cards.object and sv.pager.total == 0
    shutil.rmtree(tmp_path / 'run')
    task.value = task.options[2]
    bv.refresh()
    gone = f"the run at {tmp_path / 'run'} is gone"
    for pane in (sv.cards, cv.body, dv.body, bv.counts): assert gone in pane.object, pane.object
    assert 'Traceback' not in _page([ov, tb, sv, cv, bv, pv, dv])


def test_dashboard_follows_a_run_removed_and_recreated(tmp_path):
    "A run directory removed: every view empties and the status waits; a new run there: the selector holds its tasks."
    import shutil
    from codeit_nb.testing import synthetic_store
    from codeit_nb.run_view import ORIGINS, RunReader
    from codeit_nb.dashboard import Dashboard
    run = tmp_path / 'run'
    synthetic_store(run, n_samples=96, n_tasks=4, iterations=2)
    d = Dashboard(run)
    for k in range(len(d.views)): d.tabs.active = k  # every tab drawn
    d.tabs.active = 4  # the Buffer tab is shown
    a = d.task.options
    assert len(a) == 4 and sum(map(sum, (d.views[4].hist_src.data[o] for o in ORIGINS))) > 0
    shutil.rmtree(run)
    d.tick()
    assert 'waiting for run.db' in d.status.object
    assert (d.task.options, d.task.value, d.overview.data) == ([], None, None)
    assert sum(map(sum, (d.views[4].hist_src.data[o] for o in ORIGINS))) == 0  # nothing of the deleted run
    assert not d.views[4].means_src.data['x'] and not d.overview.solve.data['x']
    assert 'class="card"' not in d.views[2].cards.object and d.views[1].table.value.empty
    assert all(src.data['x'] == [] for src in (d.views[5].share_src, d.views[5].ess_src))
    synthetic_store(run, n_samples=96, n_tasks=6, iterations=2, stop_after=1)
    d.tick()
    b = d.task.options
    assert len(b) == 6 and b == d.r.store.search_tasks() and d.task.value == b[0], (a, b)
    assert sum(map(sum, (d.views[4].hist_src.data[o] for o in ORIGINS))) == sum(d.r.store.buffer_counts().values())
    assert 'iterations done: 1 / 2' in d.overview.counts.object
    d.stop()


def test_figures_read_honestly():
    """Line figures: whole-number ticks, legend beside the plot, zero above the axis, a note while empty, own ranges.
    Bars: no outline. The overview's charts (SVG) by the same rules."""
    from bokeh.models import Range1d
    from codeit_nb.dashboard_views import BufferView, PriorityView, Overview
    from codeit_nb.dashboard_charts import EMPTY, _chart, _fill
    from codeit_nb.run_view import RunReader
    nowhere = RunReader('/nonexistent')
    ov, bv, pv = Overview(nowhere), BufferView(nowhere), PriorityView(nowhere)
    for v in (ov, bv, pv): v.build()
    for f in [bv.means, pv.share, pv.ess]:
        assert isinstance(f.x_range, Range1d) and isinstance(f.y_range, Range1d)  # never "could not set initial ranges"
        assert f.xaxis[0].ticker.min_interval == 1 and f.xaxis[0].ticker.num_minor_ticks == 0, f.title.text
        assert f.legend[0] in f.right and f.legend[0] not in f.center, f.title.text
        assert f.select_one({'name': 'empty'}).text == EMPTY and f.select_one({'name': 'empty'}).visible
    for c in (ov.solve, ov.pools, ov.collapse):  # the overview's charts: drawn as `_chart` draws them
        assert EMPTY in c.svg and c.svg.startswith('<svg ') and c.svg in ov.body.object, c.spec[0]
        assert all(f'>{name}<' in c.svg for name, _ in c.spec[3]), c.spec[0]  # a legend entry per line
    assert ov.pools.spec[4] and not ov.collapse.spec[4]  # whole-number y ticks for counts of experiences only
    def drawn(chart, data):
        "The matplotlib figure of `chart` showing `data` (its axes and legend placed)."
        chart.fill(data)
        fig = _chart(*chart.spec[:4], tuple(data['x']), tuple(tuple(data[n]) for n, _ in chart.spec[3]),
                     chart.spec[4])
        fig.draw_without_rendering()
        return fig.axes[0], fig.legends[0]
    ax, legend = drawn(ov.collapse, {'x': [0, 1], 'identity': [0.0, 0.0], 'copy': [0.0, 0.0]})
    assert EMPTY not in ov.collapse.svg and not ax.texts
    assert ax.get_ylim()[0] < 0 < ax.get_ylim()[1]  # an all-zero line is drawn above the axis
    assert legend.get_window_extent().x0 >= ax.get_window_extent().x1  # the legend beside the plot, not over it
    ax, legend = drawn(ov.pools, {'x': [2], 'policy': [8], 'mutated': [3]})
    assert ax.get_xlim() == (1.5, 2.5)  # one point: one iteration wide
    assert all(t == int(t) for t in (*ax.get_xticks(), *ax.get_yticks()))  # whole iterations, whole experiences
    for f in (bv.hist, pv.hist):
        assert f.legend[0] in f.right and f.y_range.start == 0
        assert all(r.glyph.line_color is None for r in f.renderers)  # an empty bar is nothing, not a tick


def test_another_page_draws_no_chart_and_builds_no_figure(tmp_path):
    """Pages of one run served to two sessions: the second draws no chart (it shows the SVG the first drew) and
    neither page holds a Bokeh figure; the tabs not shown are placeholders. Counted, not timed (a page costs what
    its models cost: `codeit bench dashboard` times it)."""
    from bokeh.document import Document
    from bokeh.models import Plot, Spacer
    from codeit_nb.testing import synthetic_store
    from codeit_nb.dashboard import Dashboard
    from codeit_nb.dashboard_charts import _chart_svg
    synthetic_store(tmp_path / 'run', n_samples=96, n_tasks=4, iterations=2)
    first = Dashboard(tmp_path / 'run', lazy=True)
    first.layout.get_root(Document())
    drawn = _chart_svg.cache_info().misses
    second = Dashboard(tmp_path / 'run', lazy=True)
    models = second.layout.get_root(Document()).references()
    assert _chart_svg.cache_info().misses == drawn
    assert second.overview.body.object == first.overview.body.object and 'class="chart"' in first.overview.body.object
    assert not [m for m in models if isinstance(m, Plot)]
    assert sum(isinstance(m, Spacer) and m.tags == ['hidden'] for m in models) == len(second.views) - 1
    second.tabs.active = 4  # the Buffer tab: built and drawn when shown
    assert second.views[4].built and not second.views[1].built
    for d in (first, second): d.stop()


def test_now_only_on_live_views(tmp_path):
    "A dashboard not started is a snapshot and says which; a started one says 'now'."
    from codeit_nb.testing import synthetic_store
    from codeit_nb.dashboard import Dashboard
    synthetic_store(tmp_path / 'run', n_samples=96, n_tasks=4, iterations=2)
    d = Dashboard(tmp_path / 'run')
    d.tabs.active = 4
    assert 'snapshot of iteration 1, read at' in d.overview.counts.object and 'now' not in d.overview.counts.object
    assert 'now' not in d.views[4].upto.options and 'snapshot of iteration 1' in d.views[4].counts.object
    d.start()  # live from now on
    assert 'now: ' in d.overview.counts.object
    d.views[4].refresh()
    assert 'now: ' in d.overview.counts.object and 'buffer now:' in d.views[4].counts.object
    d.stop()


@browser
def test_dashboard_follows_a_live_run(tmp_path, chromium, shots, codeit):
    from codeit_nb.store import RunStore
    run_dir = tmp_path / 'run'
    run_dir.mkdir()
    with dashboard(run_dir) as url:
        page = chromium.new_page(viewport={'width': 1400, 'height': 1000})
        console = []
        page.on('console', lambda m: console.append(f'{m.type}: {m.text}'))
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
        docs_shot(page, 'overview')
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
        charts = page.locator('svg.chart')  # the solve-rate, buffer-pool and collapse charts, with their legends
        assert charts.count() == 3 and charts.first.get_by_text('ever found').count() == 1
        assert charts.first.bounding_box()['width'] > 300, charts.first.bounding_box()

        tab(page, 'Tasks')  # ARC grids of the chosen task
        page.locator('img.arcgrid').first.wait_for(timeout=30_000)
        assert page.locator('img.arcgrid').count() >= 4
        page.screenshot(path=str(shots / 'live-tasks.png'), full_page=True)
        docs_shot(page, 'tasks')

        tab(page, 'Samples')  # program text, realised outputs beside targets
        first = st.query('SELECT program FROM samples WHERE task_id = (SELECT min(task_id) FROM tasks) ORDER BY iteration, id LIMIT 1')[0]['program']
        page.get_by_text(first.splitlines()[0]).first.wait_for(timeout=30_000)
        assert page.get_by_text(re.compile(r'page 1 of \d+ \(\d+ samples\)')).count() == 1
        assert page.locator('img.arcgrid').count() >= 3 * 8
        page.screenshot(path=str(shots / 'live-samples.png'), full_page=True)
        docs_shot(page, 'samples')

        tab(page, 'Candidates')  # the task's candidates as pass@3 ranks them (or a line saying there are none)
        page.get_by_text(re.compile(r'candidates')).first.wait_for(timeout=30_000)
        docs_shot(page, 'candidates')

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
        docs_shot(page, 'buffer')

        tab(page, 'Priorities')  # what the next training draw favours: log histogram by origin, shares, ESS over iterations
        page.get_by_text('What the next training draw favours').wait_for(timeout=30_000)
        page.get_by_text(re.compile(r'the draw of meta-iteration \d+: \d+ entries; policy pool \d+, effective size')).first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        assert page.locator('canvas').count() >= 3
        page.screenshot(path=str(shots / 'live-priorities.png'), full_page=True)
        docs_shot(page, 'priorities')

        tab(page, 'Program diff')
        page.get_by_text(re.compile(r'iteration 2')).first.wait_for(timeout=30_000)
        docs_shot(page, 'program-diff')

        tab(page, 'Tasks')  # a click on a row chooses the task of every tab
        other = st.search_tasks()[-1]
        page.locator('.tabulator-cell', has_text=other).first.click()
        page.get_by_text(re.compile(f'{other} arc1/evaluation')).wait_for(timeout=30_000)
        tab(page, 'Samples')
        page.get_by_text(re.compile(f'{other} inputs, targets')).wait_for(timeout=30_000)
        assert not [m for m in console if RANGES in m], [m for m in console if RANGES in m][:3]
        page.close()
        st.close()


@browser
def test_served_page_of_a_synthetic_run(tmp_path, chromium, shots, codeit):
    "A finished synthetic run, served: the page shows exactly the store's numbers; the bench reports every figure."
    from codeit_nb.store import RunStore
    from codeit_nb.testing import synthetic_store
    from codeit_nb.bench_dashboard import first_render_seconds, bench_dashboard
    run_dir = tmp_path / 'synthetic'
    synthetic_store(run_dir, n_samples=10_000, n_tasks=100, iterations=5)
    st = RunStore(run_dir / 'run.db', readonly=True)
    n, solved = st.query('SELECT count(*) AS n FROM samples')[0]['n'], results_solved(codeit, run_dir)
    assert n == 10_000 and len(solved) == st.iterations()[-1]['solved_cumulative'] > 0
    assert first_render_seconds(run_dir)['samples'] == n
    with dashboard(run_dir) as url:
        page = chromium.new_page(viewport={'width': 1400, 'height': 1000})
        foreign = []  # the served page loads everything from the server itself
        page.route(re.compile(r'^(?!(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/|data:|blob:)'),
                   lambda route: (foreign.append(route.request.url), route.abort()))
        console = []
        page.on('console', lambda m: console.append(f'{m.type}: {m.text}'))
        page.goto(url)
        page.get_by_text('iterations done: 5 / 5').wait_for(timeout=30_000)
        assert status_numbers(page) == (5, n, len(solved), 100)
        tab(page, 'Tasks')
        page.locator('img.arcgrid').first.wait_for(timeout=30_000)
        assert not foreign, foreign[:5]
        with urllib.request.urlopen(url, timeout=30) as r: assert r.status == 200 and b'<html' in r.read().lower()  # a second session
        page.screenshot(path=str(shots / 'synthetic-overview.png'))
        for name in ('Buffer', 'Priorities'): tab(page, name); page.wait_for_timeout(1500)  # (every figure drawn)
        assert not [m for m in console if RANGES in m], [m for m in console if RANGES in m][:3]
        page.close()
    b = bench_dashboard(repeats=1, run_dir=run_dir, clients=2, requests=2, pages=1)
    assert b['samples'] == n and b['store_written_s'] is None and (b['load_pages'], b['load_errors']) == (4, 0), b
    assert all(isinstance(b[k], float) and b[k] > 0 for k in ('build_s', 'models_s', 'first_render_s', 'served_first_s', 'served_next_s')), b
    st.close()


@browser
def test_overview_fits_a_1400_px_window(tmp_path, chromium):
    """The overview's progress line wraps inside a 1400 px wide window (the served page never scrolls sideways), here a
    long one: a run of a folder whose tasks are partly without test outputs ('N scored tasks (M answered, not scored)')."""
    from codeit_nb.data import arc1
    from codeit_nb.store import RunStore
    from codeit_nb.testing import synthetic_store
    run_dir, folder = tmp_path / 'synthetic', tmp_path / 'mine'
    synthetic_store(run_dir, n_samples=2_000, n_tasks=40, iterations=2)
    folder.mkdir()
    grid = lambda g: [list(r) for r in g]
    st = RunStore(run_dir / 'run.db')
    for k, t in enumerate(st.search_tasks()):  # the run's tasks, the first five without test outputs
        task = arc1('evaluation')[t]
        pair = lambda p, out=True: {'input': grid(p.input), **({'output': grid(p.output)} if out else {})}
        (folder / f'{t}.json').write_text(json.dumps({'train': [pair(p) for p in task.train],
                                                      'test': [pair(p, k >= 5) for p in task.test]}))
    st.set_meta('config', {**st.meta('config'), 'search': str(folder)})
    st.close()
    with dashboard(run_dir) as url:
        page = chromium.new_page(viewport={'width': 1400, 'height': 900})
        page.goto(url)
        page.get_by_text('35 scored tasks (5 answered, not scored)').wait_for(timeout=30_000)
        page.wait_for_timeout(1000)  # (the layout settles)
        width = page.evaluate('document.documentElement.scrollWidth')
        assert width <= 1400, width
        page.close()

# --- serving safely (issue 18, item 9): login off loopback, known host names only, no orphan server, a true banner ---



def _children(pid: int) -> list:
    "Pids of the direct children of `pid` (Linux /proc), to clean up after a failing test."
    try: return [int(c) for t in Path(f'/proc/{pid}/task').iterdir() for c in (t / 'children').read_text().split()]
    except OSError: return []


@contextmanager
def _codeit_dashboard(run_dir, *extra, port=None):
    "`codeit dashboard RUN_DIR --port P EXTRA...` as a subprocess; yields (process, port, log path) once the page answers and the banner is written."
    port = port or free_port()
    log = Path(run_dir).parent / f'dashboard-{port}.log'
    with open(log, 'w') as out:
        p = subprocess.Popen([codeit_exe(), 'dashboard', str(run_dir), '--port', str(port), *map(str, extra)],
                             stdout=out, stderr=subprocess.STDOUT)
    kids = []
    try:
        deadline = time.time() + 90
        while not (listening(port) and log.read_text().endswith('\n')):  # the banner follows the bind by a moment
            assert p.poll() is None and time.time() < deadline, f'the dashboard did not start: {log.read_text()}'
            time.sleep(0.2)
        kids = _children(p.pid)
        yield p, port, log
    finally:
        for pid in [p.pid, *kids]:
            try: os.kill(pid, 9)
            except OSError: pass
        p.wait()


def _get(url, host=None, opener=None, data=None):
    "(status, final url, body) of a request to `url`, with another `Host` header if given."
    req = urllib.request.Request(url, data=data, headers={'Host': host} if host else {})
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=30) as r: return r.status, r.geturl(), r.read().decode()
    except urllib.error.HTTPError as e: return e.code, url, e.read().decode()


def test_dashboard_off_loopback_needs_a_login(tmp_path, codeit):
    "`--address 0.0.0.0` without `--basic-auth` is refused with one line (it used to serve every interface to anyone)."
    p = subprocess.Popen([codeit_exe(), 'dashboard', str(tmp_path), '--address', '0.0.0.0', '--port', str(free_port())],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try: out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # it serves: stop it, and whatever it started
        for pid in [*_children(p.pid), p.pid]: os.kill(pid, 9)
        out, err = p.communicate()
    assert (p.returncode, out) == (2, ''), (p.returncode, out, err)
    assert err == ('codeit: error: --address 0.0.0.0: listening off loopback needs --basic-auth FILE '
                   '(a JSON file of user names to passwords)\n'), err
    (tmp_path / 'users.json').write_text('{"me": ""}')
    r = codeit('dashboard', tmp_path, '--address', '0.0.0.0', '--basic-auth', tmp_path / 'users.json')
    assert r.returncode == 2 and r.stderr.startswith('codeit: error: --basic-auth ') and r.stderr.count('\n') == 1, r.stderr


def test_dashboard_off_loopback_asks_for_the_login(tmp_path):
    "With `--basic-auth`, every interface is served, the page asks for a login, and the banner names where it listens."
    import http.cookiejar
    import socket
    from urllib.parse import urlencode
    from codeit_nb.testing import synthetic_store
    synthetic_store(tmp_path / 'run', n_samples=60, n_tasks=3, iterations=1)
    from codeit_nb.dashboard_args import hash_password
    (tmp_path / 'users.json').write_text(json.dumps({'me': hash_password('a long secret', iterations=1000)}))
    with _codeit_dashboard(tmp_path / 'run', '--address', '0.0.0.0', '--basic-auth', tmp_path / 'users.json',
                           '--insecure-http') as (p, port, log):
        banner = log.read_text().splitlines()[0]
        assert banner.startswith(f'dashboard of {tmp_path / "run"} at http://{socket.gethostname()}:{port}/ '
                                 f'(listening on every interface, 0.0.0.0:{port})'), banner
        assert 'localhost' not in banner, banner
        url = f'http://127.0.0.1:{port}/'
        status, where, body = _get(url)  # no login yet: the login page
        assert status == 200 and '/login' in where and 'password' in body.lower(), (status, where, body[:300])
        assert not re.findall(r'(?:src|href)="(?:https?:)?//', body), 'the login page loads nothing from another host'
        status, where, body = _get(url + 'login', data=urlencode({'username': 'me', 'password': 'wrong'}).encode())
        assert '/login' in where and 'Invalid' in body, (status, where)
        jar = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        status, where, body = _get(url + 'login', opener=jar, data=urlencode({'username': 'me', 'password': 'a long secret'}).encode())
        assert status == 200 and '/login' not in where and 'bokeh' in body.lower(), (status, where, body[:300])
        assert _get(url, opener=jar)[0] == 200
        assert _get(url, host='evil.example', opener=jar)[0] == 403  # a login does not open other host names


def test_dashboard_refuses_other_host_names(tmp_path):
    "On loopback a request naming another host (DNS rebinding: evil.example resolving to 127.0.0.1) gets 403, not the page."
    (tmp_path / 'run').mkdir()
    with _codeit_dashboard(tmp_path / 'run') as (p, port, log):
        url = f'http://127.0.0.1:{port}/'
        assert _get(url)[0] == 200
        assert _get(url, host=f'localhost:{port}')[0] == 200
        assert _get(url, host=f'evil.example:{port}')[0] == 403
        assert _get(url + 'ws', host='evil.example')[0] == 403  # the websocket endpoint too
        assert _get(url + 'static/js/bokeh.min.js', host='evil.example')[0] == 403  # and static files


def test_killed_dashboard_leaves_no_server(tmp_path):
    "`kill -9` of `codeit dashboard` stops the server: nothing keeps listening on its port."
    (tmp_path / 'run').mkdir()
    with _codeit_dashboard(tmp_path / 'run') as (p, port, log):
        assert log.read_text().startswith(f'dashboard of {tmp_path / "run"} at http://127.0.0.1:{port}/ (Ctrl-C stops it)')
        os.kill(p.pid, 9)
        p.wait(10)
        deadline = time.time() + 10
        while listening(port) and time.time() < deadline: time.sleep(0.2)
        assert not listening(port), f'port {port} still served after kill -9 of codeit dashboard (pid {p.pid})'
