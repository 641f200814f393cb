"""Generated task files and program files thrown at every subcommand that reads them (`codeit data info --task FILE`,
`codeit data show FILE`, `codeit exec PROGRAM --task FILE`): each call exits 0 (the input was valid) or 2 with exactly
one line on stderr, `codeit: error: FILE: ...`, naming the file (and the line, for a program), never a traceback, and
within a time limit. In-process through `codeit_nb.cli.main` for speed; a few subprocess runs for the real exit path."""
import json, os, subprocess, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from conftest import codeit_exe
from codeit_nb.cli import main
from codeit_nb.data import TaskFormatError, load_task_file
from codeit_nb.dsl import PRIMITIVES, CONSTANTS
from codeit_nb.program import ProgramError, parse, typecheck
from codeit_nb.solvers import load_solvers

LIMIT_S = 10  # per call, generous for a loaded machine: a valid call takes well under a second
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
# the subcommands that read a task file (`{f}`), with the arguments they need
TASK_COMMANDS = {'data info': ['data', 'info', '--task', '{f}', '--json'], 'data show': ['data', 'show', '{f}', '--out', '{png}'],
                 'exec': ['exec', '{prog}', '--task', '{f}', '--json']}

# --- task files ------------------------------------------------------------------------------------------------------

colour = st.integers(0, 9)
grid = st.integers(1, 4).flatmap(lambda w: st.lists(st.lists(colour, min_size=w, max_size=w), min_size=1, max_size=4))
pair = st.fixed_dictionaries({'input': grid, 'output': grid})
valid_task = st.fixed_dictionaries({'train': st.lists(pair, min_size=1, max_size=3), 'test': st.lists(pair, min_size=1, max_size=2)})
# raw JSON put in place of some part of a valid task: each is hostile somewhere (some are valid in some places)
HOSTILE_JSON = ['9' * 5000, '-' + '1' * 5000, '1' + '0' * 30, '1e999999', 'NaN', '-Infinity', '1.5', 'true', 'null', '""', '[]', '{}',
                '[' * 50_000 + ']' * 50_000, '{"a": ' * 20_000 + '1' + '}' * 20_000, '[[[[[[[[1]]]]]]]]', '"' + 'x' * 100_000 + '"',
                '[[' + ', '.join(['0'] * 100_000) + ']]', '[' + ', '.join(['[0]'] * 10_000) + ']', '[[10]]', '[[-1]]', '[[1], [1, 2]]',
                '[' + ', '.join(['{"input": [[1]], "output": [[1]]}'] * 20_000) + ']', '"\\ud800"', '[[1]]', '{"input": [[1]]}',
                '{"train": 1}', '[[' + '1' * 4301 + ']]']
SITES = ('file', 'train', 'test', 'pair', 'input', 'output', 'row', 'cell', 'key')

def _inject(task: dict, site: str, i: int) -> dict:
    "`task` with the part at `site` (the `i`-th choice where there are several) replaced by the marker `@@H@@`."
    t = json.loads(json.dumps(task)); H = '@@H@@'
    p = t['train'][i % len(t['train'])]
    if site == 'file': return H
    if site in ('train', 'test'): t[site] = H
    elif site == 'pair': t['test'][i % len(t['test'])] = H
    elif site in ('input', 'output'): p[site] = H
    elif site == 'row': p['input'][i % len(p['input'])] = H
    elif site == 'cell': p['output'][0][i % len(p['output'][0])] = H
    else: t[H] = 1
    return t

@st.composite
def task_files(draw):
    "(content bytes, whether it was made hostile on purpose)"
    task, kind = draw(valid_task), draw(st.sampled_from(['valid', 'inject', 'inject', 'inject', 'bytes', 'truncated', 'encoding']))
    text = json.dumps(task)
    if kind == 'valid': return text.encode(), False
    if kind == 'inject':
        h = draw(st.sampled_from(HOSTILE_JSON))
        return json.dumps(_inject(task, draw(st.sampled_from(SITES)), draw(st.integers(0, 5)))).replace('"@@H@@"', h).encode(), True
    if kind == 'bytes': return draw(st.binary(max_size=300)), True
    if kind == 'truncated': return text.encode()[:draw(st.integers(0, len(text) - 1))], True
    return draw(st.sampled_from([b'\xef\xbb\xbf' + text.encode(), text.encode('utf-16'), text.encode().replace(b'1', b'\xff', 1)])), True

def _call(argv, capsys):
    capsys.readouterr()
    t = time.perf_counter(); rc = main(argv); dt = time.perf_counter() - t
    out, err = capsys.readouterr()
    assert dt < LIMIT_S, f'{dt:.1f} s for {argv}'
    assert 'Traceback' not in err and 'Traceback' not in out
    return rc, out, err

def _one_line_naming(err: str, path) -> str:
    assert err.endswith('\n') and err.count('\n') == 1, err[:500]
    assert err.startswith(f'codeit: error: {path}: '), err[:500]
    assert len(err) < 600, err[:600]
    return err

@pytest.fixture(scope='module')
def work(tmp_path_factory):
    "A directory with a valid program, the ARC datasets loaded (the first `data info` reads them), and matplotlib warmed up."
    d = tmp_path_factory.mktemp('hostile')
    (d / 'ok.dsl').write_text('O = rot90(I)')
    (d / 'ok.json').write_text(json.dumps({'train': [{'input': [[1, 2]], 'output': [[2, 1]]}], 'test': [{'input': [[3]]}]}))
    assert main(['data', 'info', '--task', str(d / 'ok.json'), '--json']) == 0
    assert main(['data', 'show', str(d / 'ok.json'), '--out', str(d / 'ok.png')]) == 0
    return d

@pytest.mark.parametrize('command', sorted(TASK_COMMANDS))
def test_task_files(command, work, capsys):
    n = [0]
    @SETTINGS
    @given(task_files())
    def check(case):
        content, hostile = case
        n[0] += 1; f = work / f'task{n[0]}.json'; f.write_bytes(content)
        argv = [a.format(f=f, png=work / 'x.png', prog=work / 'ok.dsl') for a in TASK_COMMANDS[command]]
        rc, out, err = _call(argv, capsys)
        try: load_task_file(f); valid = True
        except TaskFormatError: valid = False
        if rc == 0: assert valid and err == '' and out, (content[:200], err)
        else:
            assert rc == 2 and out == '' and not valid, (rc, content[:200], out[:300])
            _one_line_naming(err, f)
        assert valid or hostile, content[:200]  # a task made hostile on purpose may be valid by chance; a valid one stays valid
        f.unlink()
    check()

# --- program files ---------------------------------------------------------------------------------------------------

SOLVERS = sorted(load_solvers().values())
NAMES = sorted(PRIMITIVES) + sorted(CONSTANTS) + ['I', 'O', '__import__', 'eval', 'x0', 'x-1', 'x01', '9' * 50, '', 'I.__class__']
TOWER = '\n'.join(['x1 = pair(ONE, ONE)'] + [f'x{k} = pair(x{k-1}, x{k-1})' for k in range(2, 100)] + ['x100 = singleton(x99)', 'O = identity(I)'])
COMBINED = '\n'.join(['x1 = fork(pair, identity, identity)'] + [f'x{k} = compose(x{k-1}, x{k-1})' for k in range(2, 7)] +
                     ['x7 = singleton(I)', 'x8 = apply(x6, x7)', 'O = identity(I)'])
DOUBLING = '\n'.join(['x1 = rbind(pair, ONE)'] + [f'x{k} = rbind(pair, x{k-1})' for k in range(2, 40)] + ['O = identity(I)'])
FIXED = [TOWER, COMBINED, DOUBLING, 'O = rot90(x' + '7' * 5000 + ')', 'x1 = rot90(I)\nO = rot90(x' + '1' * 5000 + ')',
         'O = rot90(I)\n' * 121, 'x1 = rot90(' + 'I' * 30_000 + ')\nO = rot90(x1)', 'O = rot90(I)\x00', '', '\n\n', 'O = rot90(I', 'O = rot90(I))']

name = st.one_of(st.sampled_from(NAMES), st.integers(1, 130).map(lambda k: f'x{k}'), st.integers(0, 6000).map(lambda n: 'x' + '9' * n))
line = st.tuples(st.one_of(st.sampled_from(sorted(PRIMITIVES)), name), st.lists(name, max_size=5))

@st.composite
def program_files(draw):
    kind = draw(st.sampled_from(['solver', 'lines', 'lines', 'text', 'fixed', 'bytes', 'edit']))
    if kind == 'solver': return draw(st.sampled_from(SOLVERS)).encode()
    if kind == 'lines':
        ls = draw(st.lists(line, min_size=1, max_size=10))
        return '\n'.join(f"{'O' if k == len(ls) else f'x{k}'} = {fn}({', '.join(a)})" for k, (fn, a) in enumerate(ls, 1)).encode()
    if kind == 'text': return draw(st.text(max_size=300)).encode('utf-8', 'surrogatepass')
    if kind == 'fixed': return draw(st.sampled_from(FIXED)).encode()
    if kind == 'bytes': return draw(st.binary(max_size=300))
    s = draw(st.sampled_from(SOLVERS)); i = draw(st.integers(0, len(s)))
    return (s[:i] + draw(st.sampled_from(['(', ')', ',', '=', '\n', 'x', '9' * 5000, '\x00', 'é', ' I'])) + s[i + draw(st.integers(0, 3)):]).encode()

def test_program_files(work, capsys):
    n = [0]
    @SETTINGS
    @given(program_files())
    def check(content):
        n[0] += 1; f = work / f'prog{n[0]}.dsl'; f.write_bytes(content)
        rc, out, err = _call(['exec', str(f), '--task', str(work / 'ok.json'), '--json'], capsys)
        try: typecheck(parse(content.decode('utf-8'))); problem = None
        except UnicodeDecodeError: problem = 'not UTF-8'
        except ProgramError as e: problem = e
        if rc == 0: assert problem is None and err == '' and json.loads(out)['program'], (content[:200], err)
        else:
            assert rc == 2 and out == '' and problem is not None, (rc, content[:200], out[:300])
            _one_line_naming(err, f)
            if isinstance(problem, ProgramError) and problem.line: assert f': line {problem.line}' in err, (err, problem)
        f.unlink()
    check()

# --- the real exit path, and paths that are not regular files ----------------------------------------------------------

def _codeit(*args):
    return subprocess.run([codeit_exe(), *map(str, args)], capture_output=True, text=True, timeout=120)

def test_subprocess_exit_path(tmp_path):
    task = tmp_path / 'long.json'; task.write_text('{"train": [{"input": [[' + '7' * 5000 + ']], "output": [[1]]}], "test": []}')
    deep = tmp_path / 'deep.json'; deep.write_text('[' * 100_000 + ']' * 100_000)
    prog = tmp_path / 'long.dsl'; prog.write_text('x1 = rot90(I)\nO = rot90(x' + '7' * 5000 + ')')
    ok = tmp_path / 'ok.dsl'; ok.write_text('O = rot90(I)')
    for args, path in [(('data', 'show', task), task), (('data', 'info', '--task', deep), deep), (('exec', ok, '--task', task), task),
                       (('exec', prog, '--task', '007bbfb7'), prog)]:
        r = _codeit(*args)
        assert (r.returncode, r.stdout) == (2, ''), (args, r.stderr[-1000:])
        _one_line_naming(r.stderr, path)

def test_paths_that_are_not_files(tmp_path):
    fifo = tmp_path / 'fifo.json'; os.mkfifo(fifo)
    dev = tmp_path / 'dev.json'; dev.symlink_to('/dev/zero')
    ok = tmp_path / 'ok.dsl'; ok.write_text('O = rot90(I)')
    for args, path in [(('data', 'show', fifo), fifo), (('exec', ok, '--task', dev), dev), (('data', 'info', '--task', dev), dev),
                       (('exec', fifo, '--task', '007bbfb7'), fifo), (('exec', '/dev/zero', '--task', '007bbfb7'), '/dev/zero'),
                       (('exec', tmp_path, '--task', '007bbfb7'), tmp_path)]:
        r = _codeit(*args)
        assert (r.returncode, r.stdout) == (2, ''), (args, r.stderr[-1000:])
        _one_line_naming(r.stderr, path)
