"""`codeit export`: a run's policy as a Hugging Face model folder and its data as a `datasets` dataset, through the CLI."""
import json, os

import pytest

from conftest import one_line_error




@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    import subprocess, sys
    from pathlib import Path
    out = tmp_path_factory.mktemp('exp') / 'run'
    exe = str(Path(sys.executable).with_name('codeit'))
    r = subprocess.run([exe, 'run', '--preset', 'micro', '--out', str(out), '--set', 'iterations=0'], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out


def test_export_round_trip(codeit, pretrained, tmp_path):
    r = codeit('export', pretrained, '--policy', tmp_path / 'pol', '--data', tmp_path / 'data')
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [f"policy: {tmp_path / 'pol'}", f"data: {tmp_path / 'data'}"]
    from transformers import AutoModelForSeq2SeqLM
    import datasets
    assert AutoModelForSeq2SeqLM.from_pretrained(tmp_path / 'pol').num_parameters() > 0
    assert 'after pretraining' in (tmp_path / 'pol' / 'README.md').read_text()
    buf = datasets.load_dataset(str(tmp_path / 'data'), 'buffer', split='train', cache_dir=str(tmp_path / 'hf'))  # datasets caches folders by name
    assert len(buf) > 0 and set(buf['origin']) >= {'solver', 'mutation'}
    # round trip: the exported weights are the run's newest checkpoint's, the dataset holds the run's buffer
    import torch
    from codeit_nb.policy import load_checkpoint, load_pretrained
    from codeit_nb.store import RunStore
    exported, _ = load_pretrained(str(tmp_path / 'pol'))
    st = RunStore(pretrained / 'run.db', readonly=True)
    (_, path, files), = st.checkpoints()[:1]
    stored = sorted((e.origin, e.program) for e in st.buffer())
    st.close()
    ours = load_checkpoint(pretrained / path, 'cpu', files)[0].state_dict()
    assert ours.keys() == exported.state_dict().keys()
    assert all(torch.equal(v, exported.state_dict()[k]) for k, v in ours.items())
    assert sorted(zip(buf['origin'], buf['program'])) == stored
    # a new run starts from the exported policy
    r = codeit('run', '--preset', 'micro', '--out', tmp_path / 'again', '--set', 'iterations=0', f"policy.init={tmp_path / 'pol'}", '--json')
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)['config']['policy']['init'] == str(tmp_path / 'pol')


def test_export_bad_input(codeit, pretrained, tmp_path):
    one_line_error(codeit('export', tmp_path / 'none', '--policy', tmp_path / 'p'), 'none: no run there')
    one_line_error(codeit('export', pretrained), 'name --policy OUT, --data OUT or both')
    (tmp_path / 'full').mkdir(); (tmp_path / 'full' / 'x').write_text('keep')
    one_line_error(codeit('export', pretrained, '--data', tmp_path / 'full'), 'full: exists and is not an empty directory')
    assert (tmp_path / 'full' / 'x').read_text() == 'keep'
    os.symlink(tmp_path / 'elsewhere', tmp_path / 'link')
    one_line_error(codeit('export', pretrained, '--policy', tmp_path / 'link'), 'link: a symbolic link')
    assert not (tmp_path / 'elsewhere').exists()
    one_line_error(codeit('run', '--preset', 'micro', '--out', tmp_path / 'r', '--set', f"policy.init={tmp_path / 'none'}"),
                    f"policy.init={tmp_path / 'none'}: cannot load it")


def test_paper_policy_offline_is_one_line(codeit, tmp_path):
    "Issue 26 item 1: `policy=paper` (CodeT5+ from the hub) where the hub can't be reached: one line, at once, nothing written."
    from codeit_nb.policy import _hub_unreachable
    if _hub_unreachable() is None: pytest.skip('the hub is reachable from here: this checks the offline case')
    r = codeit('run', '--preset', 'micro', '--out', tmp_path / 'r', '--set', 'policy=paper')
    one_line_error(r, 'policy.init=Salesforce/codet5p-220m', 'huggingface-cli download Salesforce/codet5p-220m --local-dir DIR')
    assert not (tmp_path / 'r' / 'run.db').exists()
