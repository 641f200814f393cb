"""Program-task pairs an `every_task` run wanted and would run with the once-per-run rule, replayed from its samples.

Usage: python tools/every_task_pairs.py RUN_DIR/run.db [...]   (exact counts; nothing is executed)
"""
import collections, sqlite3, sys


def pairs(db: str, n_tasks: int = 400) -> list:
    "Per iteration: (distinct programs, pairs wanted, pairs run) — a program runs on a task once over the run."
    con = sqlite3.connect(f'file:{db}?mode=ro', uri=True)
    sampled = collections.defaultdict(lambda: collections.defaultdict(set))  # iteration -> program -> its own tasks
    for i, task, program in con.execute('SELECT iteration, task_id, program FROM samples WHERE iteration >= 0'):
        sampled[i][program].add(task)
    left, out = {}, []  # program -> tasks it has not run on yet (as elsewhere)
    for i in sorted(sampled):
        wanted = run = 0
        for program, own in sampled[i].items():
            wanted += n_tasks - len(own)
            run += len(left[program] - own) if program in left else n_tasks - len(own)
            left[program] = left[program] & own if program in left else set(own)
        out.append((len(sampled[i]), wanted, run))
    return out


if __name__ == '__main__':
    for db in sys.argv[1:]:
        rows = pairs(db)
        for i, (n, wanted, run) in enumerate(rows):
            print(f'{db}: iteration {i}: {n} programs, {wanted} pairs wanted, {run} run ({100 * (1 - run / wanted):.1f} % skipped)')
        w, r = sum(x[1] for x in rows), sum(x[2] for x in rows)
        print(f'{db}: all: {w} wanted, {r} run ({100 * (1 - r / w):.1f} % skipped)')
