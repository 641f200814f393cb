"""Show an ARC task as text and check a draft solver against it, for people writing solvers.

    python tools/solver_check.py show TASK_ID
    python tools/solver_check.py check TASK_ID [FILE]   # FILE defaults to codeit_nb/solver_programs/TASK_ID.dsl
"""
import sys
from codeit_nb.data import get_task
from codeit_nb.solvers import check_solver, load_solver

def fmt(g): return '\n'.join(' '.join(str(v) for v in r) for r in g) if g else str(g)

def show(tid):
    t = get_task(tid)
    for kind, pairs in (('train', t.train), ('test', t.test)):
        for k, p in enumerate(pairs):
            print(f'--- {kind}[{k}] input {len(p.input)}x{len(p.input[0])}'); print(fmt(p.input))
            if p.output: print(f'--- {kind}[{k}] output {len(p.output)}x{len(p.output[0])}'); print(fmt(p.output))

def check(tid, path=None):
    text = open(path).read() if path else load_solver(tid)
    t = get_task(tid); r = check_solver(t, text)
    print('status:', r['status'], r.get('message', ''))
    for k, (p, o) in enumerate(zip(t.pairs, r.get('outcomes', []))):
        tag = 'exact' if o.ok and o.value == p.output else (o.error or 'wrong')
        print(f'example {k}: {tag}' + (f' (line {o.line}: {o.message})' if o.error else ''))
        if o.ok and o.value != p.output:
            print('expected:'); print(fmt(p.output)); print('got:'); print(fmt(o.value))
    return r['status'] == 'verified'

if __name__ == '__main__':
    cmd, tid, *rest = sys.argv[1:]
    if cmd == 'show': show(tid)
    else: sys.exit(0 if check(tid, *rest) else 1)
