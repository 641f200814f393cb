"""Every primitive is typed consistently with its function, exemplified in its notebook, and `prim` refuses what the registry must not hold."""
import inspect, json, re
from pathlib import Path
import pytest
from codeit_nb.dsl import PRIMITIVES, CONSTANTS
from codeit_nb.dsl_registry import prim

NBS = Path(__file__).parent.parent / 'nbs'

def _example_code():
    code = []
    for nb in ('03a_dsl_core.ipynb', '03b_dsl_grids.ipynb', '03b_dsl_transforms.ipynb', '03d_dsl_spatial.ipynb',
               '03e_dsl_structure.ipynb'):
        for c in json.loads((NBS / nb).read_text())['cells']:
            src = ''.join(c['source'])
            if c['cell_type'] == 'code' and '#| export' not in src: code.append(src)
    return '\n'.join(code)

def test_every_signature_fits_its_function():
    bad = [n for n, p in PRIMITIVES.items() if len(inspect.signature(p.fn).parameters) != p.arity]
    assert not bad, f'primitives whose signature has a different number of parameters than their function: {bad}'

def test_prim_refuses_an_undocumented_or_duplicate_primitive():
    def undocumented(g): return g
    for f in (undocumented, lambda g: g):
        with pytest.raises(ValueError, match='needs a docstring'): prim('(Grid) -> Grid', family='transforms')(f)
    def rot90(g):
        "Not the primitive `rot90`, but a function of the same name."
        return g
    with pytest.raises(ValueError, match='duplicate primitive rot90'): prim('(Grid) -> Grid', family='transforms')(rot90)
    with pytest.raises(ValueError, match='duplicate primitive RED'): prim('(Grid) -> Grid', name='RED', family='transforms')(rot90)
    with pytest.raises(TypeError, match='family'): prim('(Grid) -> Grid')(rot90)
    assert 'undocumented' not in PRIMITIVES and '<lambda>' not in PRIMITIVES and PRIMITIVES['rot90'].fn is not rot90

def test_every_primitive_has_an_example_in_its_notebook():
    code = _example_code()
    missing = [n for n in PRIMITIVES if not re.search(rf'\b{n}\b', code)]
    assert not missing, f'primitives without an example/test in the DSL notebooks: {missing}'

def test_names_are_disjoint_and_valid():
    assert not set(PRIMITIVES) & set(CONSTANTS)
    assert all(re.fullmatch(r'[a-z][a-z0-9_]*', n) for n in PRIMITIVES)
    assert all(re.fullmatch(r'[A-Z][A-Z0-9_]*', n) for n in CONSTANTS)
