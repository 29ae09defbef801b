"""Inception-v3 features for users' own images (issue 20): a safetensors weights file that the user
supplies, read without unpickling; RGB kept in colour at 28, 32 or 64 pixels; `evaluate_images`.

The weights are torch-fidelity's own Inception-v3 with random (He-initialised) weights, built
without a download. Tests that run the network use its first feature layer, '64', which is cheap
on a CPU and enough for FID on a few dozen images.
"""
import pickle

import pytest
import torch
import torch.nn as nn
from safetensors.torch import save_file
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

from ganbook import metrics

N = 72                                              # > 64 features, so FID on layer '64' is defined
LAYER64 = dict(isc=False, feature_layer_fid='64', feature_layer_kid='64', feature_layer_prc='64',
               kid_subset_size=36, batch_size=24)


class RandomInception(FeatureExtractorInceptionV3):
    "torch-fidelity's Inception-v3 keeping its random initial weights (nothing is loaded)."
    def load_state_dict(self, *args, **kwargs): return None


@pytest.fixture(scope='module')
def state_dict():
    with metrics._inception_given({}), torch.random.fork_rng():
        torch.manual_seed(0)
        model = RandomInception('inception-v3-compat', ['2048'])
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, nn.Conv2d): nn.init.kaiming_normal_(m.weight, nonlinearity='relu')
    return model.state_dict()


@pytest.fixture(scope='module')
def weights(state_dict, tmp_path_factory):
    path = tmp_path_factory.mktemp('inception') / 'inception-v3.safetensors'
    save_file(state_dict, str(path))
    return path


@pytest.fixture
def no_unpickling(monkeypatch, tmp_path):
    "torch.load and pickle fail if called; the feature cache lives in tmp_path."
    def refuse(*args, **kwargs): raise AssertionError("an unpickler was called")
    for obj, name in ((torch, 'load'), (pickle, 'load'), (pickle, 'loads')):
        monkeypatch.setattr(obj, name, refuse)
    monkeypatch.setenv('GANBOOK_CACHE', str(tmp_path / 'cache'))
    monkeypatch.delenv('GANBOOK_INCEPTION_WEIGHTS', raising=False)


def pictures(n, size=32, seed=0):
    "`n` uint8 RGB pictures: a coloured ground with a square of another colour."
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(n, 3, 1, 1, generator=g) * 120).expand(n, 3, size, size).clone()
    for i in range(n):
        r, c = torch.randint(0, size // 2, (2,), generator=g).tolist()
        x[i, :, r:r + size // 2, c:c + size // 2] = 130 + torch.rand(3, 1, 1, generator=g) * 125
    return x.round().to(torch.uint8)


class Replay:
    "A perfect generator: the given images as floats in [-1, 1] (so FID 0); counts its calls."
    def __init__(self, x): self.x, self.calls = x.float() / 127.5 - 1, 0
    def sample(self, n, *, seed=None):
        self.calls += 1
        return self.x[:n]


def test_expected_tensors_are_torch_fidelitys(state_dict):
    shapes = metrics._inception_shapes()
    assert shapes == {k: tuple(v.shape) for k, v in state_dict.items()}
    assert shapes['fc.weight'] == (1008, 2048) and len(shapes) > 500


def test_weights_are_read_without_unpickling(weights, state_dict, no_unpickling):
    assert metrics.inception_weights_path(weights) == weights
    tensors = metrics._inception_tensors(weights)
    assert set(tensors) == set(state_dict)
    assert torch.equal(tensors['fc.weight'], state_dict['fc.weight'])
    x = pictures(8)
    r = metrics.fidelity_metrics(x, x, isc=False, fid=False, kid=False, prc=True, cache=False,
                                 extractor='inception-v3-compat', weights=weights,
                                 feature_layer_prc='64', batch_size=8)
    assert (r['precision'], r['recall']) == (1.0, 1.0)


def _write_pickle(sd, p): torch.save(sd, p)
def _write_garbage(sd, p): p.write_bytes(bytes(range(256)) * 4)
def _write_empty(sd, p): p.write_bytes(b'')
def _write_other(sd, p): save_file({'conv.weight': torch.zeros(3, 3)}, str(p))
def _write_short(sd, p): save_file({k: v for k, v in sd.items() if k != 'fc.bias'}, str(p))
def _write_extra(sd, p): save_file(dict(sd, extra=torch.zeros(1)), str(p))
def _write_shape(sd, p): save_file(dict(sd, **{'fc.weight': torch.zeros(10, 2048)}), str(p))
def _write_ints(sd, p): save_file(dict(sd, **{'fc.bias': torch.zeros(1008).int()}), str(p))


@pytest.mark.parametrize('write, why', [
    (_write_pickle, 'it is a PyTorch pickle, which ganbook does not unpickle'),
    (_write_garbage, 'not a safetensors file'),
    (_write_empty, 'not a safetensors file'),
    (_write_other, 'no tensor Conv2d_1a_3x3'),
    (_write_short, 'no tensor fc.bias'),
    (_write_extra, 'unexpected tensor extra'),
    (_write_shape, 'fc.weight has shape (10, 2048), expected (1008, 2048)'),
    (_write_ints, 'fc.bias holds I32, expected floating point')])
def test_wrong_files_are_refused_in_one_line(write, why, state_dict, tmp_path, monkeypatch):
    path = tmp_path / 'inception-v3.safetensors'          # every wrong file under the right name
    write(state_dict, path)
    def refuse(*args, **kwargs): raise AssertionError("torch.load was called")
    monkeypatch.setattr(torch, 'load', refuse)
    with pytest.raises(ValueError) as e:
        metrics.inception_weights_path(path)
    msg = str(e.value)
    assert why in msg and str(path) in msg and '\n' not in msg, msg
    with pytest.raises(ValueError, match='not torch-fidelity'):       # and before any work
        metrics.evaluate_images(pictures(4), pictures(4), 4, path)


def test_missing_weights_are_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    monkeypatch.delenv('GANBOOK_INCEPTION_WEIGHTS', raising=False)
    hub = tmp_path / 'hub' / 'checkpoints' / metrics.INCEPTION_FILE   # a pickle is not looked for
    hub.parent.mkdir(parents=True)
    hub.write_bytes(b'PK\x03\x04')
    for call in (lambda: metrics.inception_weights_path(),
                 lambda: metrics.evaluate_images(pictures(4), pictures(4), 4)):
        with pytest.raises(metrics.MissingWeightsError) as e: call()
        msg = str(e.value)
        assert '\n' not in msg and 'weights=PATH' in msg and '.safetensors' in msg, msg
    with pytest.raises(metrics.MissingWeightsError, match=r'not found: .*nope\.safetensors$'):
        metrics.inception_weights_path(tmp_path / 'nope.safetensors')
    monkeypatch.setenv('GANBOOK_INCEPTION_WEIGHTS', str(tmp_path / 'env.safetensors'))
    with pytest.raises(metrics.MissingWeightsError, match=r'from \$GANBOOK_INCEPTION_WEIGHTS'):
        metrics.inception_weights_path()


def test_colour_is_kept_and_fid_separates(weights, no_unpickling):
    real = pictures(N)
    grey = metrics._gray(real).expand(-1, 3, -1, -1)
    noise = torch.randint(0, 256, real.shape, dtype=torch.uint8,
                          generator=torch.Generator().manual_seed(1))
    replay = Replay(real)
    same = metrics.evaluate_images(replay, real, N, weights, seed=3, **LAYER64)
    assert replay.calls == 1
    assert (same['n'], same['n_real'], same['image_shape'], same['seed']) == (N, N, [3, 32, 32], 3)
    assert same['isc_mean'] is None and (same['precision'], same['recall']) == (1.0, 1.0)
    fid = {what: metrics.evaluate_images(x, real, N, weights, **LAYER64)['fid']
           for what, x in (('noise', noise), ('grey', grey))}
    assert fid['noise'] > 0 and abs(same['fid']) < 1e-6 * fid['noise'], (same['fid'], fid)
    assert fid['grey'] > 0.01 * fid['noise'], fid         # grey would score 0 if colour were lost
    # and the MNIST classifier keeps making grey of RGB, as before
    rgb28 = pictures(4, size=28)
    assert torch.equal(metrics.to_uint8(rgb28), metrics._gray(rgb28))


@pytest.mark.parametrize('size, channels', [(28, 3), (64, 3), (32, 1)])
def test_any_size_and_grey(size, channels, weights, no_unpickling):
    x = pictures(6, size)[:, :channels]
    ds = metrics.ImagesDataset(x, channels=3)
    assert ds[0].shape == (3, size, size) and torch.equal(ds[0][:channels], x[0])
    r = metrics.evaluate_images(x, x, 6, weights, fid=False, kid=False, isc=False,
                                feature_layer_prc='64', cache=False)
    assert (r['precision'], r['recall'], r['fid']) == (1.0, 1.0, None)
    assert r['image_shape'] == [channels, size, size]


def test_counts_and_shapes_are_checked_before_sampling(weights, no_unpickling):
    real = pictures(40)
    class Unused:
        def sample(self, n, *, seed=None): raise AssertionError("sampled before the checks")
    with pytest.raises(ValueError, match=r'feature dimensions \(2048\)'):
        metrics.evaluate_images(Unused(), real, 40, weights)
    with pytest.raises(ValueError, match='n must be a positive integer'):
        metrics.evaluate_images(Unused(), real, 0, weights)
    with pytest.raises(ValueError, match=r'generated images are \(3, 28, 28\)'):
        metrics.evaluate_images(pictures(40, 28), real, 40, weights, fid=False)
    with pytest.raises(ValueError, match='got 10 images but n=40'):
        metrics.evaluate_images(real[:10], real, 40, weights, fid=False)
    with pytest.raises(ValueError, match=r'expected a tensor of shape \(40, 3, 32, 32\)'):
        metrics.evaluate_images(Replay(real[:, :1]), real, 40, weights, fid=False)
    with pytest.raises(ValueError, match=r'must lie in \[-1, 1\].*look like \[0, 1\] pixels'):
        metrics.evaluate_images(real.float() / 255, real, 40, weights, fid=False)


def test_real_subset_is_fixed_and_capped():
    real = pictures(50)
    a, b = metrics._real_subset(real, 20), metrics._real_subset(real.float() / 127.5 - 1, 20)
    assert a.shape == (20, 3, 32, 32) and torch.equal(a, b)
    assert not torch.equal(a, real[:20])                    # a random subset, not the first files
    assert torch.equal(metrics._real_subset(real, 80), real)


def test_cli_eval_of_an_image_folder_run(weights, tmp_path, capsys):
    "`ganbook eval` on a --data run: refused without --inception, checked in one line with it."
    from ganbook.data import draw_shapes
    from test_cli import cli_inproc, one_line_error
    shapes = draw_shapes(tmp_path / 'shapes', n=80, size=32)
    run = tmp_path / 'run'
    r = cli_inproc(capsys, 'train', 'dcgan', '--data', shapes, '--image-size', 32, '--width', 4,
                   '--max-steps', 2, '--out', run, '--quiet')
    assert r.returncode == 0, r.stderr
    one_line_error(cli_inproc(capsys, 'eval', run), 'give --inception WEIGHTS.safetensors')
    one_line_error(cli_inproc(capsys, 'eval', run, '--inception', tmp_path / 'none.safetensors'),
                   'none.safetensors')
    # 80 training images are too few for FID on 2,048 features: said before any sampling
    one_line_error(cli_inproc(capsys, 'eval', run, '--inception', weights, '--n', 80), '2048')
