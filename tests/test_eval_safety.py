"""`evaluate` and `ganbook eval` hand no file to an unpickler, and their feature cache is safe.

Issue 15, item 1: torch-fidelity cached the real side's features and FID statistics as pickles
(`torch.save`) in `$GANBOOK_CACHE/torch-fidelity/*.pt` and read them back with
`torch.load(weights_only=False)`, so a planted file ran code when a user evaluated. These tests
plant a payload under every cache name and weights file name that the evaluation, ganbook or
torch-fidelity could read, run it in-process, and check that nothing ran and nothing changed.
"""
import json
import pickle
import re
import warnings
from pathlib import Path

import pytest
import torch
import torch_fidelity

from ganbook import cli, metrics
from ganbook.pretrained import load

N = 200


class Payload:
    "Unpickling this creates the file `marker`: what a planted cache file would do."
    def __init__(self, marker): self.marker = str(marker)
    def __reduce__(self): return (exec, (f"open({self.marker!r}, 'w').close()",))


@pytest.fixture
def env(tmp_path, monkeypatch):
    "Every cache and hub folder inside `tmp_path`."
    for k, sub in (('GANBOOK_CACHE', 'cache'), ('TORCH_HOME', 'torch'), ('HOME', 'home'),
                   ('XDG_CACHE_HOME', 'xdg')):
        monkeypatch.setenv(k, str(tmp_path / sub))
    monkeypatch.delenv('GANBOOK_INCEPTION_WEIGHTS', raising=False)
    return tmp_path


@pytest.fixture
def no_unpickling(monkeypatch):
    "Make every unpickling entry point record its call and fail; yields the list of calls."
    calls = []
    def refuse(name):
        def f(*args, **kwargs):
            calls.append((name, args[:1]))
            raise AssertionError(f"{name} was called during the evaluation")
        return f
    for obj, name in ((torch, 'load'), (torch.jit, 'load'), (pickle, 'load'), (pickle, 'loads')):
        monkeypatch.setattr(obj, name, refuse(f"{obj.__name__}.{name}"))
    yield calls


def _evaluate():
    return metrics.evaluate(load('dcgan-mnist'), n=N, seed=0, device='cpu')


def _hub_file_names() -> set:
    "Every weights file name torch-fidelity could fetch into (and load from) torch's hub cache."
    names = {metrics.INCEPTION_FILE}
    for f in Path(torch_fidelity.__file__).parent.glob('*.py'):
        names |= set(re.findall(r'https://\S+/([\w.-]+\.(?:pth|pt))', f.read_text()))
    return names


def _plant(env, new_cache_files) -> list:
    "Payloads under every file name that could be read; returns the marker files they would make."
    fe = f"{metrics.EXTRACTOR_NAME}-{metrics.load_classifier().weights_sha256[:12]}-" \
         f"v{metrics.EXTRACTOR_VERSION}"
    old = [f"mnist-test-n{N}-{fe}-features-features.pt", f"mnist-test-n{N}-{fe}-features-logits.pt",
           f"mnist-test-n{N}-{fe}-stat-fid-features.pt"]
    folders = [env / 'cache' / 'torch-fidelity',       # ganbook's old torch-fidelity cache_root
               env / 'torch' / 'fidelity_cache',       # torch-fidelity's default cache_root
               metrics.fidelity_cache_dir()]           # ganbook's new cache folder
    paths = [d / name for d in folders for name in old]
    for name in new_cache_files:                       # the new cache's own names, pickled
        stem = metrics.fidelity_cache_dir() / Path(name).stem
        paths += [stem.with_suffix(s) for s in ('.safetensors', '.pt', '.npz', '.pth')]
    paths += [env / 'torch' / 'hub' / 'checkpoints' / name for name in _hub_file_names()]
    markers = []
    for i, p in enumerate(paths):
        p.parent.mkdir(parents=True, exist_ok=True)
        markers.append(env / f'ran-{i}')
        torch.save(Payload(markers[-1]), p)
    return markers


def test_payload_is_live(tmp_path):
    "The planted file really runs code under torch.load(weights_only=False): the tests can fail."
    p, marker = tmp_path / 'x.pt', tmp_path / 'ran'
    torch.save(Payload(marker), p)
    torch.load(p, weights_only=False)
    assert marker.exists()


def test_evaluate_and_cli_run_no_planted_code(env, monkeypatch, capsys, no_unpickling):
    clean = _evaluate()                                # writes the new cache file(s)
    new_files = [p.name for p in metrics.fidelity_cache_dir().iterdir()]
    assert new_files, "the evaluation cached nothing"
    markers = _plant(env, new_files)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        planted = _evaluate()
        assert cli.main(['eval', 'dcgan-mnist', '--n', str(N), '--json']) == 0
    cli_result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    ran = [m.name for m in markers if m.exists()]
    assert not ran, f"planted payloads ran: {ran}"
    assert not no_unpickling, no_unpickling
    assert planted == clean
    assert {k: cli_result[k] for k in clean} == json.loads(json.dumps(clean))
    assert cli_result['fid_x_floor'] == cli_result['fid'] / cli_result['floor_fid']
    cache_warnings = [str(x.message) for x in w if 'cache file' in str(x.message)]
    assert cache_warnings and all('ignoring cache file' in m for m in cache_warnings)


def test_cache_is_safetensors_hit_and_corruption_recomputed(env, monkeypatch):
    from torch_fidelity import utils
    extract, calls = utils.extract_featuresdict_from_input_id, []
    def counting(i, *args, **kwargs):
        calls.append(i)
        return extract(i, *args, **kwargs)
    monkeypatch.setattr(utils, 'extract_featuresdict_from_input_id', counting)
    r1 = _evaluate()
    files = sorted(metrics.fidelity_cache_dir().iterdir())
    assert [p.suffix for p in files] == ['.safetensors'], files
    assert files[0].name.startswith(f'mnist-test-n{N}-')
    assert not (env / 'cache' / 'torch-fidelity').exists()    # torch-fidelity's cache is off
    assert not (env / 'torch' / 'fidelity_cache').exists()
    assert calls == [1, 2]
    with warnings.catch_warnings():
        warnings.simplefilter('error')                        # a hit warns about nothing
        r2 = _evaluate()
    assert calls == [1, 2, 1], "the second evaluation did not read the real side from the cache"
    assert r2 == r1
    files[0].write_bytes(b'\x80\x04 not a safetensors file')
    with pytest.warns(UserWarning, match='ignoring cache file') as w:
        r3 = _evaluate()
    msgs = [str(x.message) for x in w if 'cache file' in str(x.message)]
    assert len(msgs) == 1 and '\n' not in msgs[0], msgs
    assert calls == [1, 2, 1, 1, 2] and r3 == r1
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert _evaluate() == r1                              # rewritten: a hit again
    assert calls == [1, 2, 1, 1, 2, 1]
    assert sorted(metrics.fidelity_cache_dir().iterdir()) == files   # no temporary files left
