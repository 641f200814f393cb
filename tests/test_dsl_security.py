"""Property-based fuzzing of the DSL sandbox: whatever the program text, the interpreter returns an
Outcome within its limits, never raises, never evaluates Python, never leaves state behind."""
import os, sys, time
from hypothesis import given, settings, strategies as st, HealthCheck
from codeit_nb.dsl import PRIMITIVES, CONSTANTS
from codeit_nb.dsl_registry import BUDGET
from codeit_nb.interpreter import run, Outcome, ERROR_KINDS
from codeit_nb.batch import evaluate

G = ((0, 1, 2), (3, 4, 5), (6, 7, 8))
BIG = tuple(tuple((i * 7 + j * 3) % 10 for j in range(30)) for i in range(30))
PRIMS, CONSTS = sorted(PRIMITIVES), sorted(CONSTANTS)
EVIL = ['__import__', '__class__', '__subclasses__', 'eval', 'exec', 'open', 'os', 'sys', 'globals', 'lambda',
        'I.__class__', "__import__('os').system('touch /tmp/pwned')", 'x1.__dict__', '9' * 400, '10**100',
        '(lambda: 0)()', '[].__class__', '""', "'", '\\', ';', '\x00', 'O', 'I', 'x0', 'x-1', '*', '**kwargs']
FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

def _check(o, timeout=1.0):
    assert isinstance(o, Outcome)
    assert o.error is None or o.error in ERROR_KINDS
    assert BUDGET.left == float('inf')  # no budget left armed after a run

def _run(text, grid=G, **kw):
    t = time.perf_counter(); o = run(text, grid, **kw); dt = time.perf_counter() - t
    _check(o); assert dt < 3.0, f'{dt:.2f}s for {text!r}'
    return o

@FAST
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    _run(text)

name = st.sampled_from(PRIMS + CONSTS + EVIL + ['I'] + [f'x{k}' for k in range(1, 8)])
line = st.tuples(st.sampled_from(PRIMS + EVIL), st.lists(name, max_size=5))

@FAST
@given(st.lists(line, min_size=1, max_size=8), st.booleans())
def test_adversarial_lines(lines, big):
    rows = [f"{'O' if k == len(lines) else f'x{k}'} = {fn}({', '.join(args)})" for k, (fn, args) in enumerate(lines, 1)]
    _run('\n'.join(rows), BIG if big else G, budget=20_000)

def test_no_python_is_evaluated(tmp_path):
    marker = tmp_path / 'pwned'
    for text in [f"O = __import__('os').system('touch {marker}')", f'O = open({marker})', 'O = eval(I)',
                 'x1 = I.__class__\nO = x1(I)', 'O = rot90(I); import os', 'O = (lambda: I)()',
                 'O = rot90(__builtins__)', 'O = rot90(I)  # comment', 'O = rot90(x1=I)']:
        o = _run(text); assert o.error == 'parse', (text, o)
    assert not marker.exists()

def test_exponential_compositions_hit_the_budget():
    # each line doubles the work of the last: 2**40 calls if unchecked
    rows = ['x1 = compose(rot90, rot90)'] + [f'x{k} = compose(x{k-1}, x{k-1})' for k in range(2, 41)] + ['O = x40(I)']
    o = _run('\n'.join(rows), BIG); assert o.error == 'budget'
    o = _run('x1 = rbind(upscale, TWO)\nx2 = power(x1, TEN)\nO = x2(I)', BIG); assert o.error == 'limit'
    o = _run('x1 = lbind(power, rot90)\nx2 = x1(TEN)\nx3 = power(x2, TEN)\nx4 = power(x3, TEN)\nO = x4(I)', BIG)
    assert o.error == 'budget'

def test_explosions_are_capped():
    for text in ['x1 = size(I)\nx2 = multiply(x1, x1)\nx3 = multiply(x2, x2)\nx4 = vec(x3, x3)\nO = canvas(ZERO, x4)',
                 'x1 = asindices(I)\nx2 = product(x1, x1)\nx3 = size(x2)\nO = canvas(x3, UNITY)',
                 'x1 = size(I)\nx2 = multiply(x1, x1)\nx3 = multiply(x2, x2)\nx4 = multiply(x3, x3)\nO = canvas(ZERO, UNITY)',
                 'x1 = size(I)\nx2 = multiply(x1, x1)\nx3 = multiply(x2, x2)\nx4 = repeat(I, x3)\nO = first(x4)',
                 'x1 = hconcat(I, I)\nx2 = hconcat(x1, x1)\nx3 = hconcat(x2, x2)\nO = vconcat(x3, x3)']:
        o = _run(text, BIG); assert o.error in ('limit', 'budget'), (text, o)

def test_self_reference_and_scope():
    for text in ['x1 = x1(I)\nO = rot90(x1)', 'O = O(I)', 'x2 = rot90(I)\nO = rot90(x2)', 'x1 = rot90(x3)\nx2 = rot90(I)\nO = rot90(x2)']:
        assert _run(text).error == 'parse'

def test_huge_and_deep_texts():
    assert _run('O = rot90(I)\n' * 10_000).error == 'parse'
    assert _run('x1 = rot90(' + 'I' * 100_000 + ')\nO = rot90(x1)').error == 'parse'
    deep = ['x1 = rot90(I)'] + [f'x{k} = rot90(x{k-1})' for k in range(2, 120)] + ['O = rot90(x119)']
    assert _run('\n'.join(deep)).ok

def test_batch_never_raises():
    progs = ['O = rot90(I)', 'garbage', 'O = size(I)', 'x1 = ofcolor(I, CYAN)\nO = crop(I, x1, x1)']
    res = evaluate(progs, [G, BIG])
    assert [r[0].error for r in res] == [None, 'parse', 'type', 'type']

def test_worker_pool_survives_adversarial_jobs():
    from codeit_nb.batch import Job, evaluate_jobs
    from codeit_nb.executors import LocalPool
    rows = ['x1 = compose(rot90, rot90)'] + [f'x{k} = compose(x{k-1}, x{k-1})' for k in range(2, 41)] + ['O = x40(I)']
    jobs = [Job(('\n'.join(rows), 'O = rot90(I)'), (BIG,))] * 4
    with LocalPool(2) as pool: res = evaluate_jobs(jobs, pool)
    assert [r[0][0][0].error for r in res] == ['budget'] * 4 and all(r[0][1][0].ok for r in res)


# --- issue 18, item 1: values shared deeply (a hash or comparison of 2^100 nodes in one C call) ---------------------
import json, subprocess
from conftest import codeit_exe

TOWER = '\n'.join(['x1 = pair(ONE, ONE)'] + [f'x{k} = pair(x{k-1}, x{k-1})' for k in range(2, 100)] + ['x100 = singleton(x99)', 'O = identity(I)'])
TWINS = '\n'.join(['x1 = pair(ONE, ONE)', 'x2 = pair(ONE, ONE)'] + [f'x{k} = pair(x{k-2}, x{k-2})' for k in range(3, 99)] +
                  ['x99 = equals(x97, x98)', 'O = identity(I)'])  # two equal towers, distinct objects, compared
COMBINED = '\n'.join(['x1 = fork(pair, identity, identity)'] + [f'x{k} = compose(x{k-1}, x{k-1})' for k in range(2, 7)] +
                     ['x7 = singleton(I)', 'x8 = apply(x6, x7)', 'O = identity(I)'])  # 2^32 levels built and hashed inside `apply`
DOUBLING_TYPES = '\n'.join(['x1 = rbind(pair, ONE)'] + [f'x{k} = rbind(pair, x{k-1})' for k in range(2, 40)] + ['O = identity(I)'])

def _child(code: str, timeout: float = 60) -> dict:
    "Run `code` (which prints one JSON object) in a fresh interpreter: a hang fails the test instead of hanging the suite."
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])

def test_deep_shared_values_are_refused_by_every_path():
    code = f'''
import json, time
from codeit_nb.interpreter import run
from codeit_nb.batch import evaluate, Job, evaluate_jobs
from codeit_nb.executors import LocalPool
G = {G!r}
out = {{}}
for name, text in (('tower', {TOWER!r}), ('twins', {TWINS!r}), ('combined', {COMBINED!r})):
    t = time.perf_counter(); o = run(text, G)
    out[name] = [o.error, o.line, time.perf_counter() - t]
    out[name + '_memo'] = [[o.error, o.line] for o in evaluate([text, text], [G, G])[1]]
    with LocalPool(2) as pool: out[name + '_pool'] = [o.error for o in evaluate_jobs([Job((text,), (G,))], pool)[0][0][0]]
print(json.dumps(out))
'''
    out = _child(code)
    assert out['tower'][:2] == ['limit', 17] and out['combined'][:2] == ['limit', 8] and out['twins'][0] == 'limit'
    for name in ('tower', 'twins', 'combined'):
        assert out[name][2] < 1.0, 'refused by the size cap, not stopped by the clock'
        assert out[name + '_memo'] == [out[name][:2]] * 2 and out[name + '_pool'] == ['limit']

def test_exec_on_a_tower_returns(tmp_path):  # `codeit exec` used to never return
    f = tmp_path / 'tower.dsl'; f.write_text(TOWER)
    r = subprocess.run([codeit_exe(), 'exec', str(f), '--task', '007bbfb7', '--json'], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert {(x['error'], x['line']) for x in json.loads(r.stdout)['examples']} == {('limit', 17)}

def test_values_under_the_cap_still_run():
    ok = '\n'.join(['x1 = pair(ONE, ONE)'] + [f'x{k} = pair(x{k-1}, x{k-1})' for k in range(2, 16)] + ['x16 = singleton(x15)', 'x17 = size(x16)',
                   'O = canvas(x17, UNITY)'])
    o = _run(ok); assert o.ok and o.value == ((1,),)
    o = _run('x1 = objects(I, TRUE, FALSE, FALSE)\nx2 = repeat(x1, TEN)\nx3 = toset(x2)\nx4 = merge(x3)\nx5 = merge(x4)\nO = paint(I, x5)', BIG)
    assert o.ok and o.value == BIG  # a tuple of ten sets of objects of a 30x30 grid: fine

def test_failure_messages_never_render_values():
    from codeit_nb.interpreter import _message
    x = (1, 1)
    for _ in range(100): x = (x, x)
    t = time.perf_counter()
    assert _message(KeyError(x)) == 'KeyError (of a value)' and _message(ValueError(10 ** 5000)) == 'ValueError'
    assert _message(ValueError('grid of shape 0x3')) == 'ValueError: grid of shape 0x3'
    assert time.perf_counter() - t < 0.1

# --- types that double at each line (found by the fuzz campaign): type-checking never ended -------------------------

def test_doubling_types_are_refused(tmp_path):
    out = _child(f'''
import json, time
from codeit_nb.program import check, ProgramError
t = time.perf_counter()
try: check({DOUBLING_TYPES!r}); print(json.dumps(['ok']))
except ProgramError as e: print(json.dumps([e.kind, e.line, str(e), time.perf_counter() - t]))
''', timeout=60)
    assert out[:3] == ['type', 7, 'line 7: the type of x7 is too large (over 200 terms)'] and out[3] < 1
    f = tmp_path / 'types.dsl'; f.write_text(DOUBLING_TYPES)
    r = subprocess.run([codeit_exe(), 'exec', str(f), '--task', '007bbfb7'], capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stderr) == (2, f'codeit: error: {f}: line 7: the type of x7 is too large (over 200 terms)\n')

# --- issue 18, item 3: a variable named x followed by 5,000 digits ------------------------------------------------------

def test_long_variable_names_are_parse_errors(tmp_path):
    for text, line in [('x1 = rot90(I)\nO = rot90(x' + '1' * 5000 + ')', 2), ('O = x' + '9' * 5000 + '(I)', 1),
                       ('x1 = rot90(I)\nx2 = rot90(x01)\nO = rot90(x2)', 2), ('O = rot90(x' + '0' * 4 + '1)', 1)]:
        o = _run(text); assert (o.error, o.line) == ('parse', line), (text[:30], o)
    f = tmp_path / 'long.dsl'; f.write_text('x1 = rot90(I)\nO = rot90(x' + '7' * 5000 + ')')
    r = subprocess.run([codeit_exe(), 'exec', str(f), '--task', '007bbfb7'], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr
    assert r.stderr.startswith(f'codeit: error: {f}: line 2, argument 1: x7777') and len(r.stderr) < 300

def test_error_messages_stay_short():  # found by tests/test_hostile_files.py: a 5,000-digit target made a 5,000-character message
    for text in ['9' * 5000 + ' = rot90(I)', 'O = rot90(' + 'I' * 5000 + ')', 'O = ' + 'r' * 5000 + '(I)', DOUBLING_TYPES.replace('O = identity(I)', 'O = size(x6)')]:
        o = _run(text); assert o.error in ('parse', 'type') and len(o.message) < 200, (o.error, len(o.message), o.message[:80])
