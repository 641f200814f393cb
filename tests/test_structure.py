"""The package's shape (issue 28): modules import only their own layer or lower ones, with no circle; no core module
imports a benchmark; library modules stay readable (size, line length); each exported cell of a chapter is short and
followed by its example or check. Read from the sources (ast, nbformat-free JSON), nothing imported or run."""
import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / 'codeit_nb'

# Layers, lowest first: data → DSL → programs → search → policy → replay → loop → store → views → benches → CLI.
# A module may import modules of its own layer or of lower ones (never in a circle); every module has a layer.
LAYERS = [
    ('data', {'data', 'settings'}),
    ('pictures', {'grids'}),
    ('dsl', {'dsl_types', 'dsl_registry', 'dsl_core', 'dsl_grids', 'dsl_transforms', 'dsl_spatial', 'dsl_structure',
             'dsl'}),
    ('programs', {'program', 'terms', 'interpreter'}),
    ('execution', {'ray_pool', 'executors', 'batch'}),
    ('search', {'solvers', 'mutation', 'scoring', 'sampler', 'baseline'}),
    ('policy', {'tokenizer', 'policy', 'train', 'sampling', 'ra3'}),
    ('replay', {'replay'}),
    ('store', {'store'}),
    ('loop', {'loop', 'loop_config', 'loop_seed', 'run_dir', 'distributed', 'export', 'harvest'}),
    ('views', {'run_view', 'dashboard', 'dashboard_args', 'dashboard_views', 'dashboard_charts', 'dashboard_app'}),
    ('benches', {'bench', 'bench_dashboard', 'bench_executors', 'bench_sampling', 'fuzz', 'testing', 'learning',
                 'evaluation'}),
    ('cli', {'cli_base', 'cli_commands', 'cli'}),
]
BENCHES = {m for name, ms in LAYERS if name == 'benches' for m in ms}
CLI = {m for name, ms in LAYERS if name == 'cli' for m in ms}
MAX_MODULE_LINES = 520   # "no library module over ~500 lines"
MAX_LINE = 120           # characters, in the library
MAX_EXPORT_CELL = 60     # lines of an exported cell


def _modules() -> dict:
    return {p.stem: p for p in sorted(PKG.glob('*.py')) if p.stem not in ('__init__', '_modidx')}


def _imports(path: Path) -> set:
    "The package modules `path` imports anywhere in it (top level, functions, `TYPE_CHECKING` blocks)."
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module: found.add(node.module.split('.')[0])
            elif node.level == 1: found |= {a.name for a in node.names}
            elif node.module and node.module.startswith('codeit_nb.'): found.add(node.module.split('.')[1])
            elif node.module == 'codeit_nb': found |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split('.')[1] for a in node.names if a.name.startswith('codeit_nb.')}
    return found - {path.stem}


def _graph() -> dict:
    mods = _modules()
    return {m: _imports(p) & set(mods) for m, p in mods.items()}


def _layer() -> dict:
    return {m: i for i, (_, ms) in enumerate(LAYERS) for m in ms}


def test_every_module_has_a_layer():
    missing = sorted(set(_modules()) - set(_layer()))
    assert not missing, f'modules with no layer in tests/test_structure.py LAYERS: {missing}'


def test_no_import_from_a_higher_layer():
    layer, names = _layer(), [n for n, _ in LAYERS]
    up = [f'{m} ({names[layer[m]]}) imports {d} ({names[layer[d]]})'
          for m, deps in _graph().items() for d in sorted(deps) if m in layer and d in layer and layer[d] > layer[m]]
    assert not up, 'imports from a higher layer:\n' + '\n'.join(up)


def _cycle(graph: dict) -> list:
    "One import circle in `graph`, as a list of modules, or []."
    state, stack = {}, []
    def visit(m):
        state[m] = 'open'; stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 'open': return stack[stack.index(d):] + [d]
            if d not in state and (c := visit(d)): return c
        state[m] = 'done'; stack.pop()
        return []
    for m in sorted(graph):
        if m not in state and (c := visit(m)): return c
    return []


def test_cycle_finder_finds_one():
    assert _cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == ['a', 'b', 'c', 'a']
    assert _cycle({'a': {'b'}, 'b': set()}) == []


def test_no_import_circle():
    c = _cycle(_graph())
    assert not c, 'import circle: ' + ' -> '.join(c)


def test_no_core_module_imports_a_benchmark():
    bad = [f'{m} imports {d}' for m, deps in _graph().items() if m not in BENCHES | CLI
           for d in sorted(deps & BENCHES)]
    assert not bad, 'core modules importing benchmarks: ' + ', '.join(bad)


def _written_lines(path: Path):
    "(number, line) of `path` but for what nbdev writes itself: the module docstring (the chapter's summary) and `__all__`."
    in_all = False
    for i, line in enumerate(path.read_text().splitlines(), 1):
        in_all = in_all or line.startswith('__all__ =')
        if not in_all and not (i == 1 and line.startswith('"""')): yield i, line
        if in_all and line.rstrip().endswith(']'): in_all = False


def test_library_modules_are_readable():
    big = [f'{m}.py: {n} lines' for m, p in _modules().items() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES]
    wide = [f'{m}.py:{i}' for m, p in _modules().items() for i, line in _written_lines(p) if len(line) > MAX_LINE]
    assert not big, f'modules over {MAX_MODULE_LINES} lines: {big}'
    assert not wide, f'{len(wide)} lines over {MAX_LINE} characters: {wide[:20]}'


def _cells(nb: Path) -> list:
    return json.loads(nb.read_text())['cells']


def _is_export(cell) -> bool:
    if cell['cell_type'] != 'code': return False
    src = ''.join(cell['source']).lstrip()
    return any(line.strip().startswith(('#| export', '#|export', '#| exports', '#|exports'))
               for line in src.splitlines()[:3])


def _only_imports(cell) -> bool:
    src = '\n'.join(l for l in ''.join(cell['source']).splitlines() if not l.lstrip().startswith('#|'))
    try: body = ast.parse(src).body
    except SyntaxError: return False
    return all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in body)


def _exported_cells():
    for nb in sorted((ROOT / 'nbs').glob('*.ipynb')):
        code = [c for c in _cells(nb) if c['cell_type'] == 'code']
        for k, c in enumerate(code):
            if _is_export(c): yield nb.name, k, c, code[k + 1] if k + 1 < len(code) else None


def test_exported_cells_are_short():
    long = [f'{nb} code cell {k}: {n} lines' for nb, k, c, _ in _exported_cells()
            if (n := len(''.join(c['source']).splitlines())) > MAX_EXPORT_CELL]
    assert not long, f'exported cells over {MAX_EXPORT_CELL} lines: {long}'


def test_each_exported_cell_is_followed_by_an_example():
    alone = [f'{nb} code cell {k}' for nb, k, c, nxt in _exported_cells()
             if not _only_imports(c) and (nxt is None or _is_export(nxt))]
    assert not alone, f'{len(alone)} exported cells not followed by an example or check: {alone}'


def test_index_shows_every_module():
    "The layer table in index.ipynb (the docs site's front page) names every module of the package."
    text = ''.join(''.join(c['source']) for c in _cells(ROOT / 'nbs' / 'index.ipynb') if c['cell_type'] == 'markdown')
    missing = sorted(m for m in _modules() if f'`{m}`' not in text)
    assert not missing, f'modules missing from the layer table in nbs/index.ipynb: {missing}'


def test_chapters_have_distinct_pages():
    "Two chapters whose names differ only in their number would share one page of the docs site (`90_cli`, `90b_cli`)."
    import re
    pages = {}
    for nb in sorted((ROOT / 'nbs').rglob('*.ipynb')):
        page = str(nb.relative_to(ROOT / 'nbs').with_name(re.sub(r'^\d+[a-z]?_', '', nb.name)))
        pages.setdefault(page, []).append(nb.name)
    same = {p: n for p, n in pages.items() if len(n) > 1}
    assert not same, f'chapters sharing a docs page: {same}'
