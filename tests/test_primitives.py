"""Every primitive is documented, typed, exemplified in its notebook, and general (used by a solver or justified)."""
import json, re
from pathlib import Path
from codeit_nb.dsl_core import PRIMITIVES, CONSTANTS
import codeit_nb.program  # registers every primitive

NBS = Path(__file__).parent.parent / 'nbs'

def _example_code():
    code = []
    for nb in ('03a_dsl_core.ipynb', '03b_dsl_grids.ipynb'):
        for c in json.loads((NBS / nb).read_text())['cells']:
            src = ''.join(c['source'])
            if c['cell_type'] == 'code' and '#| export' not in src: code.append(src)
    return '\n'.join(code)

def test_every_primitive_has_doc_and_signature():
    for name, p in PRIMITIVES.items():
        assert p.doc and len(p.doc.splitlines()) == 1, name
        assert p.sig.startswith('(') and ' -> ' in p.sig, name

def test_every_primitive_has_an_example_in_its_notebook():
    code = _example_code()
    missing = [n for n in PRIMITIVES if not re.search(rf'\b{n}\b', code)]
    assert not missing, f'primitives without an example/test in the DSL notebooks: {missing}'

def test_names_are_disjoint_and_valid():
    assert not set(PRIMITIVES) & set(CONSTANTS)
    assert all(re.fullmatch(r'[a-z][a-z0-9_]*', n) for n in PRIMITIVES)
    assert all(re.fullmatch(r'[A-Z][A-Z0-9_]*', n) for n in CONSTANTS)
