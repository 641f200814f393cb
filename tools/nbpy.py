"""Convert between notebooks and percent-format scripts, for editing notebooks as text.

    python tools/nbpy.py topy nbs/00_data.ipynb  > /tmp/00_data.py
    python tools/nbpy.py tonb /tmp/00_data.py nbs/00_data.ipynb

A `# %%` line starts a code cell, `# %% [markdown]` a markdown cell whose lines carry a
leading `# `. The notebook stays the source of truth: this is only an editing aid.
"""
import json, sys
from pathlib import Path

def _cell(kind, lines):
    while lines and not lines[-1].strip(): lines.pop()
    while lines and not lines[0].strip(): lines.pop(0)
    if kind == 'markdown':
        lines = [l[2:] if l.startswith('# ') else l[1:] if l.startswith('#') else l for l in lines]
    src = [l + '\n' for l in lines]
    if src: src[-1] = src[-1][:-1]
    c = {'cell_type': kind, 'metadata': {}, 'source': src}
    if kind == 'code': c.update(execution_count=None, outputs=[])
    return c

def _keep_ids(cells, nb_path):
    "Give cells the ids they had in the notebook being replaced (matched by type and source), so edits don't churn ids."
    p = Path(nb_path)
    if not p.exists(): return
    old = {}
    for c in json.loads(p.read_text())['cells']:
        if 'id' in c: old.setdefault((c['cell_type'], ''.join(c['source'])), []).append(c['id'])
    for c in cells:
        ids = old.get((c['cell_type'], ''.join(c['source'])))
        if ids: c['id'] = ids.pop(0)

def _metadata(nb_path):
    "The metadata of the notebook being replaced (the kernel and language JupyterLab writes), or the project's."
    p = Path(nb_path)
    if p.exists(): return json.loads(p.read_text())['metadata']
    return {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'},
            'language_info': {'codemirror_mode': {'name': 'ipython', 'version': 3}, 'file_extension': '.py',
                              'mimetype': 'text/x-python', 'name': 'python', 'nbconvert_exporter': 'python',
                              'pygments_lexer': 'ipython3'}}

def tonb(py_path, nb_path):
    "Write the notebook `nb_path` from the percent-format script `py_path`."
    cells, kind, buf = [], None, []
    for line in Path(py_path).read_text().splitlines():
        if line.startswith('# %%'):
            if kind is not None: cells.append(_cell(kind, buf))
            kind, buf = ('markdown' if '[markdown]' in line else 'code'), []
        else: buf.append(line)
    if kind is not None: cells.append(_cell(kind, buf))
    cells = [c for c in cells if c['source']]
    _keep_ids(cells, nb_path)
    nb = {'cells': cells, 'metadata': _metadata(nb_path), 'nbformat': 4, 'nbformat_minor': 5}
    Path(nb_path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')

def topy(nb_path):
    "Print the notebook `nb_path` as a percent-format script."
    out = []
    for c in json.loads(Path(nb_path).read_text())['cells']:
        src = ''.join(c['source']).splitlines()
        if c['cell_type'] == 'markdown':
            out.append('# %% [markdown]'); out += [('# ' + l) if l else '#' for l in src]
        else: out.append('# %%'); out += src
        out.append('')
    print('\n'.join(out))

if __name__ == '__main__':
    cmd, *args = sys.argv[1:]
    {'tonb': tonb, 'topy': topy}[cmd](*args)
