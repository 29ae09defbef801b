"""Your own images (issue 20): `load_images`, DCGAN at 32×32 and 64×64 in gray and RGB,
`ganbook train --data/--image-size/--channels`, and fine-tuning with `--init`.

The folders are drawn here with Pillow (`ganbook.data.draw_shapes`): MNIST is the only image
dataset on the build machines."""
import json
import math
from pathlib import Path
import pytest
import torch
from PIL import Image
from ganbook.data import BatchIterator, draw_shapes, load_image_folder, load_images
from ganbook.dcgan import DCGAN, default_config, train
from ganbook.pretrained import load
from ganbook.train import read_safetensors
from test_cli import cli_inproc, one_line_error

@pytest.fixture(scope='module')
def shapes(tmp_path_factory) -> Path:
    "300 synthetic PNGs of 64, 72 and 88 pixels, a tenth of them grayscale."
    return draw_shapes(tmp_path_factory.mktemp('img') / 'shapes', n=300, size=64, seed=1)

@pytest.mark.parametrize('size,channels', [(32, 1), (32, 3), (64, 1), (64, 3)])
def test_folder_loads_and_a_dcgan_trains_on_it(shapes, size, channels):
    x = load_images(shapes, size, channels)
    assert x.shape == (300, channels, size, size) and x.dtype == torch.uint8
    xb = next(iter(BatchIterator(x, batch_size=8)))
    assert DCGAN(width=4, channels=channels, image_size=size).D(xb).shape == (8,)
    tr = train(default_config(max_steps=3, epochs=None, batch_size=32, device='cpu',
                              sample_every=0, checkpoint_every=0, log_every=1),
               width=4, images=x, progress=False)
    assert tr.gan.config['channels'] == channels and tr.step == 3
    assert all(math.isfinite(r['loss_d']) and math.isfinite(r['loss_g']) for r in tr.history)
    assert tr.generator.sample(5, seed=0).shape == (5, channels, size, size)
    if channels == 3:      # colour survives: the drawn shapes are not gray
        assert (x[:, 0].float() - x[:, 1].float()).abs().mean() > 5

def test_mixed_sizes_are_resized_and_centre_cropped(tmp_path):
    Image.new('RGB', (40, 20), (255, 0, 0)).save(tmp_path / 'wide.png')      # red, wide
    Image.new('L', (16, 50), 128).save(tmp_path / 'tall.jpg')                 # gray, tall
    Image.new('RGBA', (64, 64), (0, 0, 255, 255)).save(tmp_path / 'alpha.PNG')
    x, skipped = load_image_folder(tmp_path, size=32, channels=3)
    assert x.shape == (3, 3, 32, 32) and skipped == []
    names = sorted(p.name for p in tmp_path.iterdir())          # sorted: alpha, tall, wide
    assert names == ['alpha.PNG', 'tall.jpg', 'wide.png']
    assert x[0, 2].float().mean() > 250 and x[0, 0].float().mean() < 5        # blue
    assert (x[1, 0] == x[1, 2]).all()                                         # gray stays gray
    assert x[2, 0].float().mean() > 250 and x[2, 1].float().mean() < 5        # red

def test_corrupt_files_are_skipped_and_counted(shapes, tmp_path):
    draw_shapes(tmp_path, n=12, size=32)
    (tmp_path / 'text.png').write_text('hello')
    (tmp_path / 'cut.png').write_bytes((tmp_path / '00000.png').read_bytes()[:60])
    (tmp_path / 'notes.txt').write_text('not an image, not counted')
    x, skipped = load_image_folder(tmp_path, size=32, channels=1)
    assert len(x) == 12 and sorted(p.name for p in skipped) == ['cut.png', 'text.png']
    with pytest.warns(UserWarning, match='skipped 2 unreadable image files'):
        load_images(tmp_path, 32, 1)

def test_empty_unreadable_and_too_large_folders_are_one_line_errors(capsys, shapes, tmp_path):
    (tmp_path / 'empty').mkdir()
    one_line_error(cli_inproc(capsys, 'train', 'dcgan', '--data', tmp_path / 'empty',
                              '--out', tmp_path / 'r'), 'no PNG or JPEG files in')
    (tmp_path / 'bad').mkdir()
    (tmp_path / 'bad' / 'a.png').write_text('x')
    one_line_error(cli_inproc(capsys, 'train', 'dcgan', '--data', tmp_path / 'bad',
                              '--out', tmp_path / 'r'), 'none of the 1 image files')
    with pytest.raises(ValueError, match=r'300 images of 3×64×64 need 0\.00 GiB'):
        load_images(shapes, 64, 3, max_bytes=10_000)
    one_line_error(cli_inproc(capsys, 'train', 'dcgan', '--data', tmp_path / 'nowhere',
                              '--out', tmp_path / 'r'), 'is not a folder')
    one_line_error(cli_inproc(capsys, 'train', 'dcgan', '--image-size', 64,
                              '--out', tmp_path / 'r'), "MNIST's digits are 28×28 grayscale")
    one_line_error(cli_inproc(capsys, 'train', 'cgan', '--data', shapes, '--out', tmp_path / 'r'),
                   'cgan is built for')
    assert not (tmp_path / 'r').exists()                       # nothing written

def test_train_on_a_folder_writes_rgb_grids_and_resumes_from_it(capsys, shapes, tmp_path):
    out = tmp_path / 'run'
    r = cli_inproc(capsys, 'train', 'dcgan', '--data', shapes, '--image-size', 64,
                   '--channels', 3, '--width', 8, '--max-steps', 4, '--out', out, '--quiet')
    assert r.returncode == 0, r.stderr
    assert 'data: 300 images from' in r.stdout and '3×64×64' in r.stdout
    grid = Image.open(out / 'samples' / 'step_0000004.png')
    assert grid.mode == 'RGB' and grid.size == (8 * 66 + 2, 8 * 66 + 2)
    info = json.loads((out / 'run.json').read_text())
    assert info['data']['folder'] == str(shapes.resolve()) and info['data']['images'] == 300
    r = cli_inproc(capsys, 'train', 'dcgan', '--resume', '--max-steps', 6, '--out', out, '--quiet')
    assert r.returncode == 0, r.stderr                          # the run's folder, read again
    assert json.loads((out / 'run.json').read_text())['steps'] == 6
    G = load(out)
    assert G.sample(3, seed=0).shape == (3, 3, 64, 64)
    one_line_error(cli_inproc(capsys, 'train', 'dcgan', '--resume', '--max-steps', 8,
                              '--data', shapes, '--image-size', 32, '--out', out),
                   'trains on images with image_size 64, not 32')
    one_line_error(cli_inproc(capsys, 'eval', out, '--n', 100),
                   "the MNIST classifier's features do not apply")

def test_fine_tune_starts_from_shipped_weights_and_names_its_parent(capsys, tmp_path):
    from ganbook.data import load_mnist
    x, y = load_mnist()
    digits = tmp_path / 'threes'
    digits.mkdir()
    for i, j in enumerate((y == 3).nonzero().flatten()[:128].tolist()):
        Image.fromarray(x[j].numpy()).save(digits / f'{i}.png')
    out = tmp_path / 'ft'
    r = cli_inproc(capsys, 'train', 'dcgan', '--init', 'dcgan-mnist', '--data', digits,
                   '--image-size', 28, '--channels', 1, '--max-steps', 1, '--lr', 1e-12,
                   '--lr-d', 1e-12, '--ema', 0, '--out', out, '--quiet')
    assert r.returncode == 0, r.stderr
    _, meta = read_safetensors(out / 'checkpoint.safetensors', tensors=False)
    assert meta['train']['init'] == 'dcgan-mnist' and meta['gan']['config']['width'] == 64
    # one step at a learning rate of 1e-12 leaves the weights those of the parent
    tuned, parent = load(out).state_dict(), load('dcgan-mnist').state_dict()
    w = 'net.0.weight'
    assert torch.allclose(tuned[w], parent[w].float(), atol=1e-3)
    r = cli_inproc(capsys, 'export', out, tmp_path / 'threes-gan')
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / 'threes-gan.json').read_text())['record']
    assert record['parent'] == 'dcgan-mnist' and record['data']['images'] == 128
    one_line_error(cli_inproc(capsys, 'train', 'dcgan', '--init', 'dcgan-mnist', '--width', 32,
                              '--out', tmp_path / 'w'), 'image size and channels must match')
    one_line_error(cli_inproc(capsys, 'train', 'dcgan', '--init', 'dcgan-mnist-student',
                              '--out', tmp_path / 'w'), 'is a slim generator')
    one_line_error(cli_inproc(capsys, 'train', 'dcgan', '--init', 'dcgan-mnist', '--resume',
                              '--out', out), '--init starts a new run')
