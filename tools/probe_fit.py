"""A probe: does a policy checkpoint fit its own task — on tasks whose solvers it trained on, and on new ones?

Samples 4 programs (temperature 0.95, grammar-constrained, torch seed 0) for 100 ARC-AGI-1 training tasks and 100
evaluation tasks (each drawn with random.Random(0)) and counts the samples right on some / all of their own task's
demonstrations. Test outputs are not read.

Usage: python tools/probe_fit.py CHECKPOINT_DIR   (e.g. RUN/ckpt/pretrain; counts are exact given the checkpoint)
"""
import random, sys

import torch

from codeit_nb.batch import Memo
from codeit_nb.data import arc1
from codeit_nb.policy import load_checkpoint
from codeit_nb.sampling import sample_programs
from codeit_nb.scoring import run_on_task
from codeit_nb.tokenizer import encode_task


def fit(ckpt, n_tasks: int = 100, per_task: int = 4) -> dict:
    model, tok, cfg, _, _ = load_checkpoint(ckpt)
    out = {}
    for split in ('training', 'evaluation'):
        tasks = random.Random(0).sample(sorted(arc1(split).values(), key=lambda t: t.id), n_tasks)
        texts = [encode_task(t, cfg.enc_len) for t in tasks]
        progs = sample_programs(model, tok, texts, per_task, 0.95, cfg.dec_len, cfg.enc_len, seed=0)
        samples = [s for t, ps in zip(tasks, progs) for s in run_on_task(t, ps, memo=Memo())]
        out[split] = {'tasks': n_tasks, 'samples': len(samples),
                      'any_demo': sum(s.demo_accuracy > 0 for s in samples),
                      'all_demos': sum(s.demo_accuracy >= 1 for s in samples),
                      'tasks_all': len({s.task_id for s in samples if s.demo_accuracy >= 1})}
    return out


if __name__ == '__main__':
    if len(sys.argv) != 2: sys.exit(__doc__.split('Usage: ')[1])
    torch.set_num_threads(1)
    print(fit(sys.argv[1]))
