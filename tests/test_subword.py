"""Issue 26: a policy started from a saved subword (byte-level BPE) checkpoint laid out as CodeT5+'s, made here (no
network): every verified solver reachable through the pieces, every constrained sample a program, a meta-iteration
run and resumed exactly from its checkpoint."""
import pytest
import torch
from transformers import LogitsProcessorList
from codeit_nb.data import arc1
from codeit_nb.loop import Loop
from codeit_nb.loop_config import MICRO, config_with
from codeit_nb.run_dir import run_digest
from codeit_nb.policy import load_pretrained, subword_checkpoint, subword_texts
from codeit_nb.program import check
from codeit_nb.sampling import ProgramConstraint
from codeit_nb.solvers import load_solvers
from codeit_nb.tokenizer import encode_task, program_tokens, tokens_program


@pytest.fixture(scope='module')
def sub(tmp_path_factory):
    return subword_checkpoint(tmp_path_factory.mktemp('sub') / 'codet5-shaped', subword_texts(), vocab_size=1000)


def test_solvers_round_trip_and_are_reachable(sub):
    _, tok = load_pretrained(str(sub))
    assert len(tok) == 1000 and tok('O rot90 I <nl>')['input_ids'][0] == tok.bos_token_id  # a subword tokenizer, as CodeT5+'s
    c = ProgramConstraint(tok, dec_len=512)
    assert c.spell is not None
    # that every solver of load_solvers() round-trips through these pieces and is accepted at dec_len=512 is checked
    # in nbs/16_sampling (the cell that makes this checkpoint: `reach[512] == len(solvers)`); here a few, to stand alone
    for name, p in sorted(load_solvers().items())[:8]:
        text = program_tokens(p)
        assert tok.decode(tok(text, add_special_tokens=False)['input_ids']) == text, name
        assert c.accepts(text), name
    assert not c.accepts('O rot90 x1 <nl>') and not c.accepts('O rot9 I <nl>')  # no such variable; no such name


def test_every_constrained_sample_is_a_program(sub):
    model, tok = load_pretrained(str(sub))
    enc = tok([encode_task(t, 256) for t in list(arc1('evaluation').values())[:4]], return_tensors='pt', padding=True,
              truncation=True, max_length=256)
    for dec_len in (48, 128):  # a tight budget too: programs still end in time
        torch.manual_seed(0)
        ids = model.generate(**enc, do_sample=True, top_k=0, num_return_sequences=16, max_new_tokens=dec_len,
                             logits_processor=LogitsProcessorList([ProgramConstraint(tok, dec_len=dec_len)]))
        texts = tok.batch_decode(ids, skip_special_tokens=True)
        assert len(texts) == 64
        for t in texts: check(tokens_program(t))  # raises unless it parses and type-checks
    torch.manual_seed(0)
    free = tok.batch_decode(model.generate(**enc, do_sample=True, top_k=0, num_return_sequences=16, max_new_tokens=128),
                            skip_special_tokens=True)
    def ok(t):
        try: check(tokens_program(t)); return True
        except Exception: return False
    assert sum(map(ok, free)) < 8  # without the constraint an untrained model writes almost no programs


def test_run_from_subword_checkpoint_resumes_exactly(sub, tmp_path):
    cfg = config_with(MICRO, {'iterations': '1', 'policy.init': str(sub), 'policy.dec_len': '256'})
    whole = Loop(tmp_path / 'whole', cfg, progress=False)
    rows = whole.run()
    whole.close()
    assert len(rows) == 1 and rows[0]['samples'] > 0
    cut = Loop(tmp_path / 'cut', cfg, progress=False).prepare()
    cut.train_step(0)  # stopped after training: the sample step loads the BPE checkpoint back
    cut.close()
    Loop(tmp_path / 'cut', resume=True, progress=False).run()
    assert run_digest(tmp_path / 'cut') == run_digest(tmp_path / 'whole')
    assert (tmp_path / 'cut' / 'ckpt' / 'iter-0000' / 'tokenizer.json').exists()


def _cut_and_resume(tmp_path, cfg):
    "A run of `cfg`, and the same run stopped after its first training step and resumed: their digests."
    whole = Loop(tmp_path / 'whole', cfg, progress=False)
    assert len(whole.run()) == 1
    whole.close()
    cut = Loop(tmp_path / 'cut', cfg, progress=False).prepare()
    cut.train_step(0)
    cut.close()
    Loop(tmp_path / 'cut', resume=True, progress=False).run()
    return run_digest(tmp_path / 'cut'), run_digest(tmp_path / 'whole')


def test_causal_policy_runs_and_resumes_exactly(tmp_path):
    "Issue 26, item 6: a decoder-only policy (policy.kind=causal): the prompt holds the demonstrations, the completion the program."
    from codeit_nb.store import RunStore
    cfg = config_with(MICRO, {'iterations': '1', 'policy.kind': 'causal'})
    a, b = _cut_and_resume(tmp_path, cfg)
    assert a == b
    st = RunStore(tmp_path / 'whole' / 'run.db', readonly=True)
    progs = [r['program'] for r in st.query('SELECT program FROM samples WHERE iteration = 0')]
    st.close()
    for p in progs: check(p)  # every recorded sample parses and type-checks
    with pytest.raises(ValueError, match='midtrain=ra3: needs an encoder-decoder policy'):
        config_with(MICRO, {'policy.kind': 'causal', 'midtrain': 'ra3'})


def test_causal_subword_checkpoint_samples_programs(tmp_path, sub):
    "A decoder-only model with a BPE (a small Qwen2 made here): every constrained sample is a program; a run starts from it."
    from codeit_nb.policy import PolicyConfig, is_causal
    from codeit_nb.sampling import policy_inputs
    path = subword_checkpoint(tmp_path / 'qwen-shaped', subword_texts(0), vocab_size=1000, cfg=PolicyConfig(d_model=64, d_ff=128, layers=2, heads=2,
                                                                                                    d_kv=32, kind='causal'))
    model, tok = load_pretrained(str(path))
    assert is_causal(model)
    enc, start = policy_inputs(model, tok, [encode_task(t, 256) for t in list(arc1('evaluation').values())[:3]], 256)
    torch.manual_seed(0)
    ids = model.generate(**enc, do_sample=True, top_k=0, num_return_sequences=8, max_new_tokens=96,
                         logits_processor=LogitsProcessorList([ProgramConstraint(tok, dec_len=96)]))
    for t in tok.batch_decode(ids[:, start:], skip_special_tokens=True): check(tokens_program(t))
    cfg = config_with(MICRO, {'iterations': '1', 'policy.init': str(path), 'policy.dec_len': '256'})
    lp = Loop(tmp_path / 'run', cfg, progress=False)
    assert lp.run()[0]['samples'] > 0
    lp.close()


def test_project_checkpoint_as_init_runs_and_resumes_exactly(tmp_path):
    "The same for the project's own kind of checkpoint (DSL tokenizer, a T5 saved with save_pretrained) as `policy.init`."
    from codeit_nb.policy import POLICY_PRESETS, build_policy
    from codeit_nb.tokenizer import build_tokenizer
    tok = build_tokenizer()
    build_policy(POLICY_PRESETS['tiny'], tok, seed=3).save_pretrained(tmp_path / 'own')
    tok.save_pretrained(tmp_path / 'own')
    a, b = _cut_and_resume(tmp_path, config_with(MICRO, {'iterations': '1', 'policy.init': str(tmp_path / 'own')}))
    assert a == b and a['samples']
