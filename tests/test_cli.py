"""The `ganbook` command line: help, one-line errors for bad input, crash safety, safe loading."""
import json, os, pickle, signal, subprocess, sys, time
from pathlib import Path
import pytest
import torch
from conftest import ROOT, run

GANBOOK = [sys.executable, '-m', 'ganbook.cli']

def cli(*args, timeout=600):
    return run([*GANBOOK, *map(str, args)], timeout=timeout)

def one_line_error(r, text):
    "Exit code 2, exactly one line on stderr containing `text`, no traceback."
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert len(lines) == 1 and text in lines[0] and 'Traceback' not in r.stderr, r.stderr

@pytest.mark.parametrize('sub', [[], ['train'], ['sample'], ['export'], ['eval'], ['distill'], ['bench']])
def test_help(sub):
    r = cli(*sub, '--help')
    assert r.returncode == 0 and 'example:' in r.stdout, r.stdout + r.stderr

def test_console_script_installed():
    r = run(['ganbook', '--version'])
    assert r.returncode == 0 and r.stdout.startswith('ganbook '), r.stderr

@pytest.mark.parametrize('args,text', [
    (['train', 'stylegan'], 'unknown model'),
    (['sample', 'no-such-model'], 'neither a shipped model'),
    (['sample', 'dcgan-mnist', '--label', '3'], 'not a conditional model'),
    (['eval', 'dcgan-mnist', '--n', '20'], 'samples'),
    (['train', 'dcgan', '--device', 'cuda:9'], 'not available'),
    (['train', 'dcgan', '--device', 'tpu'], 'unknown device'),
    (['sample', 'dcgan-mnist', '--n', '-1'], '--n must be positive'),
    (['sample', 'cgan-mnist', '--label', '12'], 'labels must be in 0..9'),
    (['distill', 'no-such-model', '--width', '8', '--out', 'x'], 'neither a shipped model'),
    (['distill', 'cgan-mnist', '--width', '8', '--out', 'x'], 'distill copies DCGAN generators'),
    (['distill', 'dcgan-mnist', '--width', '0', '--out', 'x'], '--width must be positive'),
    (['distill', 'dcgan-mnist', '--width', '8', '--out', 'x', '--bank', '10'], 'must hold at least one batch'),
    (['distill', 'dcgan-mnist', '--width', '8', '--out', 'x', '--device', 'cuda:9'], 'not available'),
    (['distill', 'dcgan-mnist', '--out', 'x'], 'give the student shape'),
    (['distill', 'dcgan-mnist', '--width', '8', '--channels', '28', '64', '--out', 'x'], 'one of them'),
    (['distill', 'dcgan-mnist', '--channels', '0', '64', '--out', 'x'], '--channels must be positive'),
    (['bench', '--steps', '0'], 'must be positive'),
])
def test_bad_input_one_line(args, text):
    one_line_error(cli(*args), text)

def test_not_a_checkpoint(tmp_path):
    (tmp_path / 'checkpoint.safetensors').write_bytes(b'this is not a checkpoint')
    one_line_error(cli('sample', tmp_path), 'not a safetensors file')
    one_line_error(cli('export', tmp_path / 'missing', tmp_path / 'w'), 'not a run directory')

class Evil:
    "Unpickling this object runs code that creates a marker file."
    def __init__(self, marker): self.marker = str(marker)
    def __reduce__(self): return (exec, (f"open({self.marker!r}, 'w').write('pwned')",))

def test_malicious_checkpoint_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    payload = pickle.dumps({'G': Evil(marker)})
    (tmp_path / 'checkpoint.safetensors').write_bytes(payload)
    (tmp_path / 'evil.safetensors').write_bytes(payload)
    one_line_error(cli('sample', tmp_path, '--out', tmp_path / 'x.png'), 'never unpickles')
    one_line_error(cli('sample', tmp_path / 'evil.safetensors'), 'never unpickles')
    from ganbook.pretrained import load
    from ganbook.train import CheckpointError
    with pytest.raises(CheckpointError, match='never unpickles'): load(tmp_path / 'evil.safetensors')
    assert not marker.exists(), 'the pickle payload ran'

def _weights(run_dir):
    from safetensors.torch import load_file
    return load_file(str(Path(run_dir) / 'checkpoint.safetensors'))

def test_kill_and_resume_is_bitwise_equal(tmp_path):
    common = ['train', 'dcgan', '--width', '8', '--max-steps', '400', '--checkpoint-every', '5', '--device', 'cpu',
              '--seed', '3', '--quiet']
    env = {'OMP_NUM_THREADS': '1'}
    full = run([*GANBOOK, *common, '--out', str(tmp_path / 'full')], env=env)
    assert full.returncode == 0, full.stderr
    # start the same run, SIGKILL it once a checkpoint past step 20 exists, then resume
    out = tmp_path / 'killed'
    proc = subprocess.Popen([*GANBOOK, *common, '--out', str(out)], cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from ganbook.train import read_safetensors
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            if read_safetensors(out / 'checkpoint.safetensors')[1]['step'] >= 20: break
        except Exception: pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL); proc.wait()
    _, meta = read_safetensors(out / 'checkpoint.safetensors')           # the last complete checkpoint loads
    assert 20 <= meta['step'] < 400, meta['step']
    resumed = run([*GANBOOK, 'train', 'dcgan', '--width', '8', '--out', str(out), '--resume', '--device', 'cpu', '--quiet'], env=env)
    assert resumed.returncode == 0, resumed.stderr
    a, b = _weights(tmp_path / 'full'), _weights(out)
    gen = [k for k in a if k.startswith(('G.', 'D.', 'G_ema.'))]
    assert gen and all(torch.equal(a[k], b[k]) for k in gen), 'resumed weights differ from the uninterrupted run'
    assert read_safetensors(out / 'checkpoint.safetensors')[1]['step'] == 400

def test_resume_without_checkpoint(tmp_path):
    one_line_error(cli('train', 'dcgan', '--out', tmp_path, '--resume', '--device', 'cpu'), 'no checkpoint')

def test_conditional_sampling(tmp_path):
    r = cli('sample', 'cgan-mnist', '--label', '3', '--n', '16', '--out', tmp_path / 'threes.png')
    assert r.returncode == 0 and (tmp_path / 'threes.png').exists(), r.stderr
    from ganbook.metrics import predict
    from ganbook.pretrained import load
    assert (predict(load('cgan-mnist').sample(50, seed=0, labels=3)) == 3).float().mean() > 0.9

def test_bench_json():
    r = cli('bench', '--steps', '3', '--rounds', '1', '--batch-size', '16', '--threads', '1', '--json')
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out['tutorial_sps'] > 0 and out['ganbook_sps'] > 0 and out['threads'] == 1
    assert abs(out['ratio'] - out['ganbook_sps'] / out['tutorial_sps']) < 0.01

def test_resume_with_new_learning_rates(tmp_path):
    out = tmp_path / 'run'
    first = cli('train', 'dcgan', '--width', '8', '--epochs', '0.01', '--device', 'cpu', '--quiet', '--out', out)
    assert first.returncode == 0, first.stderr
    # no --width: the run's own width (8, not the default) is rebuilt from config.json
    more = cli('train', 'dcgan', '--resume', '--epochs', '0.02', '--lr', '1e-4', '--lr-d', '3e-5', '--device', 'cpu', '--quiet', '--out', out)
    assert more.returncode == 0, more.stderr
    saved = json.loads((out / 'config.json').read_text())
    assert saved['train']['lr_g'] == 1e-4 and saved['train']['lr_d'] == 3e-5 and saved['G']['config']['width'] == 8
    run_info = json.loads((out / 'run.json').read_text())
    assert run_info['steps'] == 19 and len(run_info['commands']) == 2
