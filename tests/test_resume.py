"""`ganbook train --resume`: a run continues as itself, rebuilt from its checkpoint alone.

Every test calls `ganbook.cli.main` in this process, in a temporary working directory, with
runs of a few steps on the CPU.
"""
import json, sys
from pathlib import Path
import pytest
import torch
from ganbook.cli import main
from ganbook.train import FORMAT, atomic_save, read_safetensors

def cli(capsys, *args) -> tuple[int, str, str]:
    """`ganbook ARGS` run by `main()` here: (exit code, stdout, stderr).

    sys.argv (which run.json records), torch's thread count and its random state are restored
    afterwards, so nothing leaks into later tests."""
    args = [str(a) for a in args]
    capsys.readouterr()
    threads, argv = torch.get_num_threads(), sys.argv
    sys.argv = ['ganbook', *args]
    try:
        with torch.random.fork_rng(devices=[]): rc = main(args)
    finally:
        sys.argv = argv
        torch.set_num_threads(threads)
    out, err = capsys.readouterr()
    return rc, out, err

def one_line_error(result, text: str):
    "Exit code 2 and exactly one line on stderr, containing `text`."
    rc, out, err = result
    lines = err.strip().splitlines()
    assert rc == 2, (rc, out, err)
    assert len(lines) == 1 and text in lines[0] and 'Traceback' not in err, err

def checkpoint_meta(run) -> dict:
    return read_safetensors(Path(run) / 'checkpoint.safetensors', tensors=False)[1]

def metric_steps(run) -> list:
    lines = (Path(run) / 'metrics.jsonl').read_text().splitlines()
    return [json.loads(line)['step'] for line in lines if line.strip()]

CPU = ['--device', 'cpu', '--quiet']

@pytest.fixture
def vanilla_run(tmp_path, monkeypatch, capsys):
    "A 20-step vanilla GAN run of width 32 in ./r (the working directory is tmp_path)."
    monkeypatch.chdir(tmp_path)
    rc, out, err = cli(capsys, 'train', 'vanilla', '--width', 32, '--max-steps', 20, '--out', 'r',
                       *CPU)
    assert rc == 0, err
    return tmp_path / 'r'

def test_resume_continues_to_the_new_max_steps(vanilla_run, capsys):
    # ganbook train vanilla --width 32 --max-steps 20 --out r &&
    # ganbook train vanilla --out r --resume --max-steps 40
    assert checkpoint_meta(vanilla_run)['step'] == 20
    rc, out, err = cli(capsys, 'train', 'vanilla', '--out', 'r', '--resume', '--max-steps', 40,
                       *CPU)
    assert rc == 0 and out.startswith('done: 40 steps'), (out, err)
    meta = checkpoint_meta(vanilla_run)
    assert meta['step'] == 40 and meta['train']['max_steps'] == 40
    assert meta['gan']['config']['width'] == 32                  # the run's width, not a default
    run = json.loads((vanilla_run / 'run.json').read_text())
    assert run['steps'] == 40 and len(run['commands']) == 2
    assert run['commands'][1] == 'ganbook train vanilla --out r --resume --max-steps 40 ' \
                                 '--device cpu --quiet'
    steps = metric_steps(vanilla_run)
    assert steps == sorted(set(steps)) and steps[-1] == 40, steps

@pytest.mark.parametrize('args,text', [
    (['dcgan'], 'r holds a vanilla run, not dcgan'),
    (['vanilla', '--width', 64], "--width 64 differs from the run's width (32)"),
    (['vanilla', '--loss', 'hinge'], "--loss hinge differs from the run's loss (nonsaturating)"),
    (['vanilla', '--seed', 5], '--seed cannot change when a run resumes'),
    (['vanilla', '--batch-size', 32], '--batch-size cannot change when a run resumes'),
    (['vanilla'], 'already has 20 steps; give a larger --max-steps'),
    (['vanilla', '--max-steps', 0], '--max-steps must be positive'),
])
def test_resume_as_another_run_is_one_line(vanilla_run, capsys, args, text):
    before = (vanilla_run / 'checkpoint.safetensors').read_bytes()
    model, *rest = args
    one_line_error(cli(capsys, 'train', model, '--out', 'r', '--resume', *rest, *CPU), text)
    assert (vanilla_run / 'checkpoint.safetensors').read_bytes() == before, 'the run was touched'

def test_resume_of_a_file_that_is_no_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'junk').mkdir()
    (tmp_path / 'junk' / 'checkpoint.safetensors').write_bytes(b'not a checkpoint')
    one_line_error(cli(capsys, 'train', 'dcgan', '--out', 'junk', '--resume', *CPU),
                   'not a safetensors file')
    atomic_save({'x': torch.zeros(1)}, tmp_path / 'bare' / 'checkpoint.safetensors',
                {'format': FORMAT, 'step': 3, 'gan': None, 'train': {}})
    one_line_error(cli(capsys, 'train', 'dcgan', '--out', 'bare', '--resume', *CPU),
                   'does not record its GAN')
    one_line_error(cli(capsys, 'train', 'dcgan', '--out', 'none', '--resume', *CPU),
                   'no checkpoint in none')

def test_dcgan_resume_equals_the_uninterrupted_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    common = ['--width', 8, '--seed', 2, *CPU]
    assert cli(capsys, 'train', 'dcgan', '--max-steps', 8, '--out', 'full', *common)[0] == 0
    assert cli(capsys, 'train', 'dcgan', '--max-steps', 4, '--out', 'part', *common)[0] == 0
    # no --width: the run's own (8, not the chapter's 32) comes back from the checkpoint
    rc, out, err = cli(capsys, 'train', 'dcgan', '--out', 'part', '--resume', '--max-steps', 8,
                       *CPU)
    assert rc == 0, err
    meta = checkpoint_meta('part')
    assert meta['step'] == 8 and meta['gan'] == checkpoint_meta('full')['gan']
    from safetensors.torch import load_file
    a, b = (load_file(f'{run}/checkpoint.safetensors') for run in ('full', 'part'))
    nets = [k for k in a if k.startswith(('G.', 'D.', 'G_ema.'))]
    assert nets and all(torch.equal(a[k], b[k]) for k in nets), 'the resumed run differs'
    one_line_error(cli(capsys, 'train', 'cgan', '--out', 'part', '--resume', '--max-steps', 9,
                       *CPU), 'part holds a dcgan run, not cgan')

def test_time_limit_holds_for_one_invocation(vanilla_run, capsys):
    rc, out, err = cli(capsys, 'train', 'vanilla', '--out', 'r', '--resume',
                       '--max-steps', 10 ** 6, '--time-limit', 0.5, *CPU)
    assert rc == 0 and '(time limit)' in out, (out, err)
    step = checkpoint_meta(vanilla_run)['step']
    assert 20 < step < 10 ** 6
    # resumed without --time-limit, the run trains to its max-steps
    rc, out, err = cli(capsys, 'train', 'vanilla', '--out', 'r', '--resume',
                       '--max-steps', step + 5, *CPU)
    assert rc == 0 and out.startswith(f'done: {step + 5} steps in'), (out, err)
    assert checkpoint_meta(vanilla_run)['train']['time_limit'] is None

def test_infogan_resume_keeps_its_lambdas(tmp_path, monkeypatch, capsys):
    # the CLI has no option for the information weights: a run made with other values than the
    # chapter's must come back with them, from its checkpoint
    from ganbook.data import load_mnist
    from ganbook.train import TRAINABLE, fit_gan, import_chapters
    import_chapters()
    entry = TRAINABLE['infogan']
    monkeypatch.chdir(tmp_path)
    config = entry.default_config(max_steps=3, device='cpu', log_every=1, sample_every=0,
                                  checkpoint_every=3)
    make = lambda: entry.gan(width=8, lambda_cat=0.5, lambda_cont=0.25)
    default = entry.gan(width=8).config
    assert (default['lambda_cat'], default['lambda_cont']) != (0.5, 0.25)
    fit_gan(make, load_mnist()[0][:512], config=config, out='r', progress=False)
    rc, out, err = cli(capsys, 'train', 'infogan', '--out', 'r', '--resume', '--max-steps', 6,
                       *CPU)
    assert rc == 0, err
    meta = checkpoint_meta('r')
    assert meta['step'] == 6, meta['step']
    gan = meta['gan']['config']
    assert (gan['lambda_cat'], gan['lambda_cont'], gan['width']) == (0.5, 0.25, 8), gan
    saved = json.loads(Path('r/config.json').read_text())['gan']['config']
    assert (saved['lambda_cat'], saved['lambda_cont']) == (0.5, 0.25)
