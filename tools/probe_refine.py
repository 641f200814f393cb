"""A probe, not a feature: is mutating each searched task's best near miss worth more than as many new mutants?

Reads a finished `codeit bench eval` directory of ARC-AGI-1's evaluation tasks. For every task whose seed candidates
(no policy sample) include none right on all demonstrations, the best one (most demonstrations right, then shortest)
is mutated (one edit, `mutation.mutants_of`) up to PER_TASK times. Those programs run on every task, as the
mutation-only arm's do, and the seed mutants plus them are scored beside the seed mutants plus as many of the arm's
new mutants (the first n). Candidates are chosen on demonstrations only; test outputs only score.

Usage: python tools/probe_refine.py BENCH_DIR PER_TASK SEED WORK_DIR   (prints one JSON object; counts are exact)
"""
import json, sys
from pathlib import Path

from codeit_nb.baseline import baseline_candidates, evaluate_programs
from codeit_nb.data import arc1
from codeit_nb.mutation import mutants_of
from codeit_nb.scoring import ever_found, pass_at_k
from codeit_nb.store import RunStore


def near_misses(bench: Path) -> dict:
    "Task id -> the best seed candidate of each task that no seed candidate solves on every demonstration."
    st = RunStore(bench / 'codeit' / 'run.db', readonly=True)
    seeded = {t: [c for c in cs if c.origin != 'policy'] for t, cs in st.candidates().items()}
    st.close()
    return {t: max(cs, key=lambda c: (c.demo_acc, -c.n_lines)) for t, cs in seeded.items()
            if cs and not any(c.demo_acc >= 1 for c in cs)}


def refine_programs(near: dict, tasks: dict, per_task: int, seed: int) -> list:
    "`[(index, task id, program)]`: up to `per_task` distinct one-edit mutants of each near miss."
    out, seen = [], set()
    for t, c in sorted(near.items()):
        inputs = tuple(p.input for p in tasks[t].train + tasks[t].test)
        rows, _ = mutants_of(t, c.program, inputs, per_task * 3, seed, n_train=len(tasks[t].train))
        for r in rows[:per_task]:
            if r['program'] not in seen: seen.add(r['program']); out.append((len(out), t, r['program']))
    return out


def by_task(cands) -> dict:
    out = {}
    for c in cands: out.setdefault(c.task_id, []).append(c)
    return out


def main(bench, per_task, seed, work):
    bench, work, tasks = Path(bench), Path(work), arc1('evaluation')
    near = near_misses(bench)
    progs = refine_programs(near, tasks, int(per_task), int(seed))
    evaluate_programs(progs, work, 'evaluation', 2, progress=False)
    everything = list(tasks.values())
    seed_arm = by_task(baseline_candidates(bench / 'codeit' / 'mutation', everything))
    refine = by_task(baseline_candidates(work, everything))
    new = by_task(c for c in baseline_candidates(bench / 'mutation_only', everything) if c.iteration < len(progs))
    plus = lambda extra: {t: seed_arm.get(t, []) + extra.get(t, []) for t in set(seed_arm) | set(extra)}
    with_refine, with_new = plus(refine), plus(new)
    rank = {}  # a hybrid at the same count: each near miss's first half of its mutants, then new mutants for the rest
    seen_of = {}
    for i, t, _ in progs: rank[i] = seen_of[t] = seen_of.get(t, -1) + 1
    half = {i for i in rank if rank[i] < int(per_task) // 2}
    hybrid = plus(by_task([c for cs in refine.values() for c in cs if c.iteration in half] +
                          [c for cs in new.values() for c in cs if c.iteration < len(progs) - len(half)]))
    print(json.dumps({
        'near_miss_tasks': len(near), 'programs': len(progs), 'seed_mutants_pass3': len(pass_at_k(seed_arm, tasks)),
        **{f'seed_plus_{k}': {'pass3': len(pass_at_k(v, tasks)), 'ever_found': len(ever_found(v, tasks))}
           for k, v in (('refine', with_refine), ('new_mutants', with_new), ('hybrid', hybrid))},
        'refine_only': sorted(pass_at_k(with_refine, tasks) - pass_at_k(with_new, tasks)),
        'new_mutants_only': sorted(pass_at_k(with_new, tasks) - pass_at_k(with_refine, tasks))}))


if __name__ == '__main__':
    if len(sys.argv) != 5: sys.exit(__doc__.split('Usage: ')[1])
    main(*sys.argv[1:])
