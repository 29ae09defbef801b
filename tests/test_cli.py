"""The `ganbook` command line: help, one-line errors for bad input, crash safety, safe loading.

Most tests call `ganbook.cli.main` in this process (`cli_inproc`: no interpreter start and torch
import per case); subprocesses remain for the installed console script, the SIGKILL test and
whatever needs a fresh process (torchrun is in test_distributed.py).
"""
import json, os, pickle, signal, subprocess, sys, time
from pathlib import Path
import pytest
import torch
from conftest import ROOT, run
from ganbook.cli import main

GANBOOK = [sys.executable, '-m', 'ganbook.cli']

def cli_inproc(capsys, *args) -> subprocess.CompletedProcess:
    """`ganbook ARGS` run by `main()` in this process, as a CompletedProcess (rc, stdout, stderr).

    argparse's exits (--help, --version) become return codes; torch's thread count, its random
    state and sys.argv (which run.json records) are restored afterwards, so nothing leaks into
    later tests."""
    args = [str(a) for a in args]
    capsys.readouterr()                                 # drop whatever was printed before
    threads, argv = torch.get_num_threads(), sys.argv
    sys.argv = ['ganbook', *args]
    try:
        with torch.random.fork_rng(devices=[]):
            try: rc = main(args)
            except SystemExit as e:
                rc = e.code if isinstance(e.code, int) else int(e.code is not None)
    finally:
        sys.argv = argv
        torch.set_num_threads(threads)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(['ganbook', *args], rc, out, err)

def one_line_error(r, text):
    "Exit code 2, exactly one line on stderr containing `text`, no traceback."
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert len(lines) == 1 and text in lines[0] and 'Traceback' not in r.stderr, r.stderr

@pytest.mark.parametrize('sub', [[], ['train'], ['sample'], ['export'], ['eval'], ['distill'],
                                 ['bench'], ['diagnose'], ['serve']])
def test_help(sub, capsys):
    r = cli_inproc(capsys, *sub, '--help')
    assert r.returncode == 0 and 'example:' in r.stdout, r.stdout + r.stderr

def test_console_script_installed():
    r = run(['ganbook', '--version'])
    assert r.returncode == 0 and r.stdout.startswith('ganbook '), r.stderr

def test_version_inproc(capsys):
    import ganbook
    r = cli_inproc(capsys, '--version')
    assert r.returncode == 0 and r.stdout.strip() == f'ganbook {ganbook.__version__}', r

STUDENT = ['--width', '8', '--out', 'x']

@pytest.mark.parametrize('args,text', [
    (['train', 'stylegan'], 'unknown model'),
    (['sample', 'no-such-model'], 'neither a shipped model'),
    (['sample', 'dcgan-mnist', '--label', '3'], 'not a conditional model'),
    (['eval', 'dcgan-mnist', '--n', '20'], 'samples'),
    (['train', 'dcgan', '--device', 'cuda:9'], 'not available'),
    (['train', 'dcgan', '--device', 'tpu'], 'unknown device'),
    (['sample', 'dcgan-mnist', '--n', '-1'], '--n must be positive'),
    (['sample', 'cgan-mnist', '--label', '12'], 'labels must be in 0..9'),
    (['distill', 'no-such-model', *STUDENT], 'neither a shipped model'),
    (['distill', 'cgan-mnist', *STUDENT], 'distill copies DCGAN generators'),
    (['distill', 'dcgan-mnist', '--width', '0', '--out', 'x'], '--width must be positive'),
    (['distill', 'dcgan-mnist', *STUDENT, '--bank', '10'], 'must hold at least one batch'),
    (['distill', 'dcgan-mnist', *STUDENT, '--device', 'cuda:9'], 'not available'),
    (['distill', 'dcgan-mnist', '--out', 'x'], 'give the student shape'),
    (['distill', 'dcgan-mnist', *STUDENT, '--channels', '28', '64'], 'one of them'),
    (['distill', 'dcgan-mnist', '--channels', '0', '64', '--out', 'x'],
     '--channels must be positive'),
    (['bench', '--steps', '0'], 'must be positive'),
    (['no-such-command'], 'invalid choice'),
])
def test_bad_input_one_line(args, text, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)             # relative outputs (--out x, samples.png) land here
    one_line_error(cli_inproc(capsys, *args), text)

def test_not_a_checkpoint(tmp_path, capsys):
    (tmp_path / 'checkpoint.safetensors').write_bytes(b'this is not a checkpoint')
    one_line_error(cli_inproc(capsys, 'sample', tmp_path), 'not a safetensors file')
    one_line_error(cli_inproc(capsys, 'export', tmp_path / 'missing', tmp_path / 'w'),
                   'not a run directory')

class Evil:
    "Unpickling this object runs code that creates a marker file."
    def __init__(self, marker): self.marker = str(marker)
    def __reduce__(self): return (exec, (f"open({self.marker!r}, 'w').write('pwned')",))

def test_malicious_checkpoint_is_refused(tmp_path, capsys):
    marker = tmp_path / 'pwned'
    payload = pickle.dumps({'G': Evil(marker)})
    (tmp_path / 'checkpoint.safetensors').write_bytes(payload)
    (tmp_path / 'evil.safetensors').write_bytes(payload)
    one_line_error(cli_inproc(capsys, 'sample', tmp_path, '--out', tmp_path / 'x.png'),
                   'never unpickles')
    one_line_error(cli_inproc(capsys, 'sample', tmp_path / 'evil.safetensors'), 'never unpickles')
    from ganbook.pretrained import load
    from ganbook.train import CheckpointError
    with pytest.raises(CheckpointError, match='never unpickles'):
        load(tmp_path / 'evil.safetensors')
    assert not marker.exists(), 'the pickle payload ran'

def _weights(run_dir):
    from safetensors.torch import load_file
    return load_file(str(Path(run_dir) / 'checkpoint.safetensors'))

def test_kill_and_resume_is_bitwise_equal(tmp_path):
    # separate processes: one of them is SIGKILLed mid-run
    common = ['train', 'dcgan', '--width', '8', '--max-steps', '400', '--checkpoint-every', '5',
              '--device', 'cpu', '--seed', '3', '--quiet']
    env = {'OMP_NUM_THREADS': '1'}
    full = run([*GANBOOK, *common, '--out', str(tmp_path / 'full')], env=env)
    assert full.returncode == 0, full.stderr
    # start the same run, SIGKILL it once a checkpoint past step 20 exists, then resume
    out = tmp_path / 'killed'
    proc = subprocess.Popen([*GANBOOK, *common, '--out', str(out)], cwd=ROOT,
                            env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from ganbook.train import read_safetensors
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            if read_safetensors(out / 'checkpoint.safetensors')[1]['step'] >= 20: break
        except Exception: pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL); proc.wait()
    _, meta = read_safetensors(out / 'checkpoint.safetensors')  # the last complete checkpoint loads
    assert 20 <= meta['step'] < 400, meta['step']
    resumed = run([*GANBOOK, 'train', 'dcgan', '--width', '8', '--out', str(out), '--resume',
                   '--device', 'cpu', '--quiet'], env=env)
    assert resumed.returncode == 0, resumed.stderr
    a, b = _weights(tmp_path / 'full'), _weights(out)
    gen = [k for k in a if k.startswith(('G.', 'D.', 'G_ema.'))]
    assert gen and all(torch.equal(a[k], b[k]) for k in gen), \
        'resumed weights differ from the uninterrupted run'
    assert read_safetensors(out / 'checkpoint.safetensors')[1]['step'] == 400

def test_resume_without_checkpoint(tmp_path, capsys):
    r = cli_inproc(capsys, 'train', 'dcgan', '--out', tmp_path, '--resume', '--device', 'cpu')
    one_line_error(r, 'no checkpoint')

def test_conditional_sampling(tmp_path, capsys):
    r = cli_inproc(capsys, 'sample', 'cgan-mnist', '--label', '3', '--n', '16',
                   '--out', tmp_path / 'threes.png')
    assert r.returncode == 0 and (tmp_path / 'threes.png').exists(), r.stderr
    from ganbook.metrics import predict
    from ganbook.pretrained import load
    assert (predict(load('cgan-mnist').sample(50, seed=0, labels=3)) == 3).float().mean() > 0.9

def test_bench_json(capsys):
    threads = torch.get_num_threads()
    r = cli_inproc(capsys, 'bench', '--steps', '3', '--rounds', '1', '--batch-size', '16',
                   '--threads', '1', '--json')
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out['tutorial_sps'] > 0 and out['ganbook_sps'] > 0 and out['threads'] == 1
    assert abs(out['ratio'] - out['ganbook_sps'] / out['tutorial_sps']) < 0.01
    assert abs(out['default_ratio'] - out['default_sps'] / out['tutorial_sps']) < 0.01
    assert out['cpu']['native_bf16'] == (out['default_path'] != 'float32')
    assert {'avx512_bf16', 'amx_bf16', 'capability'} <= set(out['cpu'])
    assert torch.get_num_threads() == threads, 'cli_inproc must restore the thread count'

def test_resume_with_new_learning_rates(tmp_path, capsys):
    out = tmp_path / 'run'
    common = ['--device', 'cpu', '--quiet', '--out', out]
    first = cli_inproc(capsys, 'train', 'dcgan', '--width', '8', '--epochs', '0.01', *common)
    assert first.returncode == 0, first.stderr
    # no --width: the run's own width (8, not the default) is rebuilt from config.json
    more = cli_inproc(capsys, 'train', 'dcgan', '--resume', '--epochs', '0.02', '--lr', '1e-4',
                      '--lr-d', '3e-5', *common)
    assert more.returncode == 0, more.stderr
    saved = json.loads((out / 'config.json').read_text())
    assert saved['train']['lr_g'] == 1e-4 and saved['train']['lr_d'] == 3e-5
    assert saved['G']['config']['width'] == 8
    run_info = json.loads((out / 'run.json').read_text())
    assert run_info['steps'] == 19 and len(run_info['commands']) == 2
    assert run_info['commands'][1].startswith('ganbook train dcgan --resume'), run_info['commands']
    from ganbook.bench import default_path
    assert [s['precision'] for s in run_info['segments']] == [default_path()] * 2


# chapter 7's options: refused combinations, what the checkpoint keeps, and `ganbook diagnose`
@pytest.mark.parametrize('args,text', [
    (['--loss', 'wasserstein'], 'needs a 1-Lipschitz critic'),
    (['--loss', 'wgan-clip', '--spectral-norm'], 'choose one'),
    (['--loss', 'wgan-gp', '--r1', '10'], 'already constrains its critic'),
    (['--r1', '-1'], '--r1 must be'),
    (['--r1', 'nan'], '--r1 must be'),
    (['--n-critic', '0'], '--n-critic must be'),
])
def test_regularisation_refused_in_one_line(args, text, tmp_path, capsys):
    out = tmp_path / 'run'
    r = cli_inproc(capsys, 'train', 'dcgan', *args, '--max-steps', '3', '--out', out)
    one_line_error(r, text)
    assert not out.exists()

@pytest.mark.parametrize('args,check', [
    (['--loss', 'wgan-gp', '--n-critic', '2'],
     lambda m: m['gan']['config']['loss'] == 'wgan-gp' and m['train']['n_critic'] == 2),
    (['--loss', 'hinge', '--spectral-norm'],
     lambda m: m['gan']['config']['spectral_norm'] is True and m['loss'] == 'hinge'),
    (['--r1', '10'], lambda m: m['train']['r1'] == 10.0),
])
def test_regularisation_saved_and_resumed(args, check, tmp_path, capsys):
    from ganbook.train import read_safetensors
    out = tmp_path / 'run'
    r = cli_inproc(capsys, 'train', 'dcgan', *args, '--max-steps', '4', '--quiet', '--out', out)
    assert r.returncode == 0, r.stderr
    meta = read_safetensors(out / 'checkpoint.safetensors', tensors=False)[1]
    assert check(meta), meta
    r = cli_inproc(capsys, 'train', 'dcgan', '--resume', '--max-steps', '6', '--quiet',
                   '--out', out)
    assert r.returncode == 0, r.stderr
    again = read_safetensors(out / 'checkpoint.safetensors', tensors=False)[1]
    assert again['step'] == 6 and check(again)
    assert again['gan'] == meta['gan'] and again['train']['r1'] == meta['train']['r1']

def test_resume_keeps_spectral_norm_and_r1(tmp_path, capsys):
    out = tmp_path / 'run'
    r = cli_inproc(capsys, 'train', 'dcgan', '--max-steps', '2', '--quiet', '--out', out)
    assert r.returncode == 0, r.stderr
    r = cli_inproc(capsys, 'train', 'dcgan', '--resume', '--spectral-norm', '--max-steps', '4',
                   '--out', out)
    one_line_error(r, 'differs')
    r = cli_inproc(capsys, 'train', 'dcgan', '--resume', '--r1', '5', '--max-steps', '4',
                   '--out', out)
    one_line_error(r, '--r1 cannot change')

def test_cgan_with_hinge_and_spectral_norm(tmp_path, capsys):
    out = tmp_path / 'run'
    r = cli_inproc(capsys, 'train', 'cgan', '--loss', 'hinge', '--spectral-norm', '--width', '8',
                   '--max-steps', '3', '--quiet', '--out', out)
    assert r.returncode == 0, r.stderr
    r = cli_inproc(capsys, 'sample', out / 'checkpoint.safetensors', '--n', '4', '--label', '3',
                   '--out', tmp_path / 's.png')
    assert r.returncode == 0 and (tmp_path / 's.png').is_file(), r.stderr

def test_diagnose_names_a_diverged_run(tmp_path, capsys):
    run_dir = tmp_path / 'run'
    r = cli_inproc(capsys, 'train', 'dcgan', '--lr', '1e20', '--lr-d', '1e20', '--max-steps', '50',
                   '--quiet', '--out', run_dir)
    assert r.returncode == 2 and 'diverged' in r.stderr, r.stderr
    r = cli_inproc(capsys, 'diagnose', run_dir)
    assert r.returncode == 0 and 'divergence:' in r.stdout, r.stdout + r.stderr
    r = cli_inproc(capsys, 'diagnose', run_dir, '--json')
    assert [f['name'] for f in json.loads(r.stdout)] == ['divergence']

def test_diagnose_bad_input_one_line(tmp_path, capsys):
    one_line_error(cli_inproc(capsys, 'diagnose', tmp_path / 'none'), 'holds no metrics.jsonl')
    (tmp_path / 'metrics.jsonl').write_text('{"step": 1}\n{oops\n')
    one_line_error(cli_inproc(capsys, 'diagnose', tmp_path), 'line 2 is not JSON')
    (tmp_path / 'metrics.jsonl').write_text('')
    one_line_error(cli_inproc(capsys, 'diagnose', tmp_path), 'has no rows')
