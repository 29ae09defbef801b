"""Fast library-level tests of ganbook.metrics (the chapter notebook holds the full tests)."""

import numpy as np
import pytest
import torch

from ganbook import metrics


def test_frechet_distance_closed_forms():
    fd = metrics.frechet_distance
    assert fd([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(5.0)     # (1-3)^2 + (2-3)^2
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    expected = 3 + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()               # commuting covariances
    assert fd(np.zeros(3), np.diag(a), np.ones(3), np.diag(b)) == pytest.approx(expected)
    q = np.random.default_rng(0).normal(size=(5, 5))
    assert fd(np.zeros(5), q @ q.T, np.zeros(5), q @ q.T) == pytest.approx(0, abs=1e-8)
    with pytest.raises(ValueError, match='shapes do not match'):
        metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))


def test_inception_score_bounds():
    assert metrics.inception_score(torch.eye(10).repeat(3, 1) * 50) == pytest.approx(10, rel=1e-6)
    assert metrics.inception_score(torch.zeros(7, 10)) == pytest.approx(1)


def test_to_uint8_contract():
    x = torch.tensor([-1.0, 0.0, 1.0]).view(3, 1, 1).expand(3, 28, 28)
    assert metrics.to_uint8(x)[:, 0, 0, 0].tolist() == [0, 128, 255]
    with pytest.raises(ValueError, match='expected MNIST-shaped images'):
        metrics.to_uint8(torch.zeros(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r'must lie in \[-1, 1\]'):
        metrics.to_uint8(torch.full((2, 1, 28, 28), 3.0))


def test_sample_count_errors():
    with pytest.raises(ValueError, match='FID needs more samples than feature dimensions'):
        metrics.check_sample_counts(40, 40, feature_dim=64)
    with pytest.raises(ValueError, match='kid_subset_size=1000'):
        metrics.check_sample_counts(500, 500, fid=False, kid_subset_size=1000)
    with pytest.raises(ValueError, match='needs at least 10 samples'):
        metrics.check_sample_counts(3, fid=False, kid=False, prc=False)


def test_evaluate_rejects_bad_inputs_before_work():
    with pytest.raises(ValueError, match='FID needs more samples'):
        metrics.evaluate(torch.zeros(50, 1, 28, 28), n=50, device='cpu')
    with pytest.raises(ValueError, match='expected MNIST-shaped images'):
        metrics.evaluate(torch.zeros(200, 3, 32, 32), n=200, device='cpu')
    with pytest.raises(TypeError, match="did you mean 'kid_subset_size'"):
        metrics.fidelity_metrics(torch.zeros(200, 1, 28, 28), torch.zeros(200, 1, 28, 28),
                                 kid_subset_sise=10)


def test_offline_inception_error(tmp_path, monkeypatch):
    "Without a user-supplied safetensors file: one line, no download, torch's hub not consulted."
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    monkeypatch.delenv('GANBOOK_INCEPTION_WEIGHTS', raising=False)
    hub = tmp_path / 'hub' / 'checkpoints' / metrics.INCEPTION_FILE
    hub.parent.mkdir(parents=True)
    torch.save({'fc.weight': torch.zeros(1008, 2048)}, hub)
    with pytest.raises(metrics.MissingWeightsError, match=metrics.INCEPTION_FILE) as e:
        metrics.inception_weights_path()
    assert 'weights=PATH' in str(e.value) and '.safetensors' in str(e.value), e.value
    assert '\n' not in str(e.value) and str(tmp_path) not in str(e.value), e.value
    assert not hasattr(metrics, 'fetch_inception_weights')        # ganbook downloads nothing


def test_shipped_classifier_and_code_accuracy():
    clf = metrics.load_classifier()
    assert clf.weights_sha256 == metrics.sha256_file(metrics.CLASSIFIER_WEIGHTS)
    x, y = metrics.load_mnist(train=False)
    assert metrics.classifier_accuracy(clf, x[:2000], y[:2000]) >= 0.98
    perm = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]
    by_class = [x[y == c] for c in range(10)]

    class Permuted:                       # category k -> real digits of class perm[k]
        def sample(self, n, *, seed=None, category=None):
            c = perm[int(torch.as_tensor(category).flatten()[0])]
            return by_class[c][:n].float().unsqueeze(1) / 127.5 - 1

    res = metrics.code_accuracy(Permuted(), n_per_code=50)
    assert res.mapping == perm and res.accuracy > 0.95


def _rgb_digits(n=200):
    "One RGB picture per digit, its channels all different, as uint8 and as float in [-1, 1]."
    x = metrics.real_images('test', n, seed=3)[:, 0]
    rgb = torch.stack([x, x // 2, 255 - x], 1)
    return rgb, rgb.float() / 127.5 - 1


def test_same_picture_same_metric_input_for_both_dtypes():
    rgb, rgb_float = _rgb_digits()
    luma = (299 * rgb[:, 0].int() + 587 * rgb[:, 1].int() + 114 * rgb[:, 2].int() + 500) // 1000
    assert torch.equal(metrics.to_uint8(rgb), luma[:, None].to(torch.uint8))   # ITU-R BT.601 luma
    assert torch.equal(metrics.to_uint8(rgb_float), metrics.to_uint8(rgb))
    ref = metrics.real_images('train', 200, seed=1)
    fid = [metrics.fidelity_metrics(x, ref, isc=False, kid=False, prc=False, cache=False)
           ['frechet_inception_distance'] for x in (rgb, rgb_float)]
    assert fid[0] == fid[1], fid
    r = [metrics.evaluate(x, n=200, device='cpu', cache=False)['fid'] for x in (rgb, rgb_float)]
    assert r[0] == r[1], r


def test_zero_one_floats_are_rejected_with_the_expected_range():
    x01 = metrics.real_images('test', 200, seed=3).float() / 255
    for f in (metrics.to_uint8, lambda x: metrics.evaluate(x, n=200, device='cpu'),
              lambda x: metrics.fidelity_metrics(x, x, cache=False)):
        with pytest.raises(ValueError, match=r'must lie in \[-1, 1\].*look like \[0, 1\] pixels'):
            f(x01)
    with pytest.raises(ValueError, match=r'must lie in \[-1, 1\]'):
        metrics.to_uint8(x01 * 2 - 1.5)                       # out of range below
    grey = metrics.to_uint8(torch.zeros(3, 1, 28, 28))         # a blank [-1, 1] image is fine
    assert torch.equal(grey, torch.full((3, 1, 28, 28), 128, dtype=torch.uint8))
