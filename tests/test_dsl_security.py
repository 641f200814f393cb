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
    from codeit_nb.batch import Job, LocalPool, evaluate_jobs
    rows = ['x1 = compose(rot90, rot90)'] + [f'x{k} = compose(x{k-1}, x{k-1})' for k in range(2, 41)] + ['O = x40(I)']
    jobs = [Job(('\n'.join(rows), 'O = rot90(I)'), (BIG,))] * 4
    with LocalPool(2) as pool: res = evaluate_jobs(jobs, pool)
    assert [r[0][0][0].error for r in res] == ['budget'] * 4 and all(r[0][1][0].ok for r in res)
