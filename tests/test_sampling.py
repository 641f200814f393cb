"""The constrained decoder can write every verified solver: all of them at the gpu/paper presets' `dec_len`, and at least
95 % at the tiny preset's (the chapter checks a sample; this checks them all)."""
from concurrent.futures import ProcessPoolExecutor
from codeit_nb.policy import POLICY_PRESETS
from codeit_nb.sampling import Grammar, min_dec_len
from codeit_nb.solvers import load_solvers, verify_solvers

_G = None
def _need(text):
    global _G
    _G = _G or Grammar(dec_len=10**6)  # one grammar (and its caches) per worker
    return min_dec_len(text, _G)

def test_every_verified_solver_is_reachable():
    verified = [t for t, s in verify_solvers()['tasks'].items() if s == 'verified']
    solvers = load_solvers()
    with ProcessPoolExecutor(2) as ex: need = dict(zip(verified, ex.map(_need, [solvers[t] for t in verified], chunksize=8)))
    assert len(need) >= 398
    never = [t for t, n in need.items() if n is None]
    assert not never, f'unreachable at any length: {never}'
    share = {p: sum(n <= c.dec_len for n in need.values()) / len(need) for p, c in POLICY_PRESETS.items()}
    assert share['gpu'] == share['paper'] == 1.0, share
    assert share['tiny'] >= 0.95, share
