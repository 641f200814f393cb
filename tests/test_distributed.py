"""Data-parallel training on CPU: torchrun with two gloo processes gives one process's loss curve (same effective
batch, same seed), within float tolerance."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _train(out: Path, procs: int, *extra) -> dict:
    args = ['-m', 'codeit_nb.distributed', '--examples', 'synthetic:96', '--batch-size', '8', '--grad-accum', '2',
            '--epochs', '1', '--seed', '3', '--out', str(out), *extra]
    cmd = [sys.executable, *args] if procs == 1 else [str(BIN / 'torchrun'), '--standalone', f'--nproc_per_node={procs}', *args]
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads((out / 'losses.json').read_text())


@pytest.mark.skipif(not (BIN / 'torchrun').exists(), reason='torchrun is not installed beside this Python')
def test_two_gloo_processes_give_one_process_loss_curve(tmp_path):
    one, two = _train(tmp_path / 'one', 1), _train(tmp_path / 'two', 2)
    assert (one['world'], two['world']) == (1, 2)
    assert one['steps'] == two['steps'] == len(one['losses']) == 6  # 12 micro-batches of 8, 2 per step
    for a, b in zip(one['losses'], two['losses']):
        assert abs(a - b) <= 1e-4 * max(1.0, abs(a)), (one['losses'], two['losses'])
    assert one['losses'][-1] < one['losses'][0]  # it trains
    assert (tmp_path / 'two' / 'ckpt' / 'model.safetensors').exists()  # rank 0 wrote the checkpoint
