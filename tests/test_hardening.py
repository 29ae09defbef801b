"""Issue 15: nothing lost, nothing executed, every bad value one clear line.

Each test names the item of the issue it covers. The CLI runs in this process
(`ganbook.cli.main`) in a temporary working directory; a second process appears only where one
is the point (a lock held by another training, a kill).
"""
import errno, hashlib, json, os, resource, shutil, subprocess, sys, time
from pathlib import Path
import pytest
import torch
from conftest import ROOT
from ganbook.cli import LIMITS, main
from ganbook.train import atomic_save, read_safetensors

CPU = ['--device', 'cpu', '--quiet']

def cli(capsys, *args) -> tuple[int, str, str]:
    "`ganbook ARGS` run by `main()` here: (exit code, stdout, stderr); global state restored."
    args = [str(a) for a in args]
    capsys.readouterr()
    threads, argv = torch.get_num_threads(), sys.argv
    sys.argv = ['ganbook', *args]
    try:
        with torch.random.fork_rng(devices=[]):
            try: rc = main(args)
            except SystemExit as e: rc = e.code if isinstance(e.code, int) else 1
    finally:
        sys.argv = argv
        torch.set_num_threads(threads)
    out, err = capsys.readouterr()
    return rc, out, err

def one_line_error(result, text: str = ''):
    "Exit code 2 and exactly one line on stderr, containing `text`, no traceback."
    rc, out, err = result
    lines = err.strip().splitlines()
    assert rc == 2, (rc, out, err)
    assert len(lines) == 1 and text in lines[0] and 'Traceback' not in err, err
    return lines[0]

def tree(folder) -> dict:
    "Every file under `folder` with its size, mtime and content hash."
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns,
                                         hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(Path(folder).rglob('*')) if p.is_file()}

def meta_of(run) -> dict:
    return read_safetensors(Path(run) / 'checkpoint.safetensors', tensors=False)[1]

def rewrite_checkpoint(run, change_tensors=None, change_meta=None):
    "Rewrite run/checkpoint.safetensors with its tensors and metadata changed in place."
    path = Path(run) / 'checkpoint.safetensors'
    tensors, meta = read_safetensors(path)
    if change_tensors: change_tensors(tensors)
    if change_meta: change_meta(meta)
    atomic_save(tensors, path, meta)

@pytest.fixture(scope='module')
def made_run(tmp_path_factory):
    "A 10-step DCGAN run of width 8 (checkpoints at 5 and 10, seed 3), made once."
    d = tmp_path_factory.mktemp('made')
    cwd, argv = os.getcwd(), sys.argv
    os.chdir(d)
    try:
        sys.argv = ['ganbook']
        with torch.random.fork_rng(devices=[]):
            rc = main(['train', 'dcgan', '--width', '8', '--max-steps', '10', '--seed', '3',
                       '--checkpoint-every', '5', '--out', 'run', *CPU])
    finally:
        os.chdir(cwd)
        sys.argv = argv
    assert rc == 0
    return d / 'run'

@pytest.fixture
def run(made_run, tmp_path, monkeypatch):
    "A fresh copy of the run in ./run (the working directory is tmp_path)."
    monkeypatch.chdir(tmp_path)
    shutil.copytree(made_run, tmp_path / 'run')
    return tmp_path / 'run'

def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

# ---- items 2 and 3: metadata that lies is refused before anything is built -------------------

BAD_SPECS = [
    ({'arch': 'dcgan.Generator', 'config': {'width': 3000}}, "ganbook's limit"),
    ({'arch': 'dcgan.Generator', 'config': {'width': 200}}, 'lacks tensors'),
    ({'arch': 'dcgan.Generator', 'config': {'width': 1000000}}, "ganbook's limit"),
    ({'arch': 'dcgan.Generator', 'config': {'__class__': 'x'}}, 'unknown config keys'),
    ({'arch': 'dcgan.Generator', 'config': {'bogus': 1}}, 'unknown config keys'),
    ({'arch': 'dcgan.Generator', 'config': [64]}, 'must be a JSON object'),
    ({'arch': 'dcgan.Generator', 'config': {'width': '64'}}, 'should be int'),
    ({'arch': 'os.system', 'config': {}}, 'unknown architecture'),
    (None, 'names no generator'),
]

@pytest.mark.parametrize('spec,text', BAD_SPECS)
def test_crafted_weights_file_is_one_line_fast_and_small(spec, text, tmp_path, capsys):
    path = tmp_path / 'evil.safetensors'
    meta = {'format': 'ganbook-weights/1', **({'G': spec} if spec is not None else {})}
    atomic_save({'net.0.weight': torch.zeros(1)}, path, meta)
    assert path.stat().st_size < 400                      # the "220-byte weights file"
    rss, t0 = peak_rss_mb(), time.perf_counter()
    one_line_error(cli(capsys, 'sample', path, '--out', tmp_path / 'g.png'), text)
    assert time.perf_counter() - t0 < 10
    assert peak_rss_mb() - rss < 500, 'a lying config made ganbook allocate'
    assert not (tmp_path / 'g.png').exists()

@pytest.mark.parametrize('width,text', [(100, 'has shape'), (3000, "ganbook's limit"),
                                        (1000000, "ganbook's limit")])
def test_resume_with_lying_metadata_is_one_line(run, capsys, width, text):
    rewrite_checkpoint(run, change_meta=lambda m: m['gan']['config'].update(width=width))
    before = tree(run)
    rss, t0 = peak_rss_mb(), time.perf_counter()
    one_line_error(cli(capsys, 'train', 'dcgan', '--out', 'run', '--resume', '--max-steps', 20,
                       *CPU), text)
    assert time.perf_counter() - t0 < 20 and peak_rss_mb() - rss < 500
    assert tree(run) == before

# ---- item 4: an existing run is never replaced by accident ----------------------------------

def test_existing_run_is_refused_and_force_replaces_it(run, capsys):
    before = tree(run)
    line = one_line_error(cli(capsys, 'train', 'dcgan', '--width', 8, '--max-steps', 3,
                              '--out', 'run', *CPU), 'already holds a run')
    assert '--resume' in line and '--force' in line
    assert tree(run) == before, 'the old run was touched'
    (run / 'notes.txt').write_text('mine')
    rc, out, err = cli(capsys, 'train', 'dcgan', '--width', 8, '--max-steps', 3, '--out', 'run',
                       '--force', *CPU)
    assert rc == 0 and out.startswith('done: 3 steps'), (out, err)
    assert meta_of(run)['step'] == 3
    rows = [json.loads(line) for line in (run / 'metrics.jsonl').read_text().splitlines()]
    assert [r['step'] for r in rows] == [3]
    assert [p.name for p in (run / 'samples').iterdir()] == ['step_0000003.png']
    assert 'samples/step_0000003.png' in out
    assert len(json.loads((run / 'run.json').read_text())['segments']) == 1
    assert (run / 'notes.txt').read_text() == 'mine', '--force deleted a file it did not write'
    one_line_error(cli(capsys, 'train', 'dcgan', '--out', 'run', '--resume', '--force', *CPU),
                   'give one')

# ---- item 5: one training per run directory -------------------------------------------------

def test_a_second_training_fails_at_once(run, capsys):
    holder = subprocess.Popen(
        [sys.executable, '-c', 'import sys, time\nfrom ganbook.train import run_lock\n'
         'with run_lock(sys.argv[1]):\n    print("held", flush=True)\n    time.sleep(120)',
         str(run)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'held'
        before = tree(run)
        t0 = time.perf_counter()
        line = one_line_error(cli(capsys, 'train', 'dcgan', '--out', 'run', '--resume',
                                  '--max-steps', 20, *CPU), 'in use by another training')
        assert str(run.resolve()) in line and time.perf_counter() - t0 < 10
        one_line_error(cli(capsys, 'train', 'dcgan', '--out', 'run', '--force', '--width', 8,
                           '--max-steps', 3, *CPU), 'in use by another training')
        assert tree(run) == before
    finally:
        holder.kill()
        holder.wait()

# ---- item 6: export writes where it is told, never into the shipped weights -----------------

def test_export_never_touches_the_shipped_weights(run, capsys, tmp_path, monkeypatch):
    from ganbook.train import weights_dir
    shipped = tree(weights_dir())
    one_line_error(cli(capsys, 'export', 'run', 'dcgan-mnist'), '--force')
    one_line_error(cli(capsys, 'export', 'run', weights_dir() / 'new-model'), '--force')
    one_line_error(cli(capsys, 'export', 'run', 'w.pt'), 'ends in .safetensors')
    rc, out, err = cli(capsys, 'export', 'run', 'mine')
    assert rc == 0 and (tmp_path / 'mine.safetensors').is_file(), err
    one_line_error(cli(capsys, 'export', 'run', 'mine'), 'exists; add --force')
    assert cli(capsys, 'export', 'run', 'mine', '--force')[0] == 0
    assert tree(weights_dir()) == shipped, 'the shipped weights changed'
    # with --force a shipped name means the (here: a copy of the) package's weights folder
    fake = tmp_path / 'weights'
    shutil.copytree(weights_dir(), fake)
    monkeypatch.setattr('ganbook.cli.weights_dir', lambda: fake)
    assert cli(capsys, 'export', 'run', 'dcgan-mnist', '--force')[0] == 0
    assert tree(fake)['dcgan-mnist.safetensors'] != shipped['dcgan-mnist.safetensors']

# ---- item 7: the history of a run is kept ---------------------------------------------------

def test_run_json_keeps_every_segment_and_resume_drops_a_torn_line(run, capsys):
    import signal
    # a segment that is SIGKILLed after a checkpoint at step >= 14
    proc = subprocess.Popen([sys.executable, '-m', 'ganbook.cli', 'train', 'dcgan', '--out',
                             str(run), '--resume', '--max-steps', '100000',
                             '--checkpoint-every', '2', *CPU], cwd=ROOT,
                            env={**os.environ, 'OMP_NUM_THREADS': '1'},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if json.loads((run / 'run.json').read_text())['segments'][-1]['steps'] >= 14: break
        except (ValueError, KeyError, IndexError, OSError): pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = meta_of(run)['step']
    with open(run / 'metrics.jsonl', 'a') as fh: fh.write('{"step": 99, "loss_d"')   # torn
    rc, out, err = cli(capsys, 'train', 'dcgan', '--out', 'run', '--resume', '--max-steps',
                       killed_at + 4, *CPU)
    assert rc == 0, err
    assert 'torn last line' in err
    steps = [json.loads(line)['step'] for line in (run / 'metrics.jsonl').read_text().splitlines()]
    assert steps == sorted(set(steps)) and steps[-1] == killed_at + 4
    info = json.loads((run / 'run.json').read_text())
    segs = info['segments']
    assert [s['status'] for s in segs] == ['done', 'killed', 'done'], segs
    assert segs[0]['steps'] == 10 and segs[1]['from_step'] == 10
    assert segs[1]['steps'] >= 14 and segs[1]['wall_time_s'] > 0
    assert segs[2]['from_step'] == killed_at and segs[2]['steps'] == killed_at + 4
    assert info['steps'] == killed_at + 4 and len(info['commands']) == 3
    assert info['wall_time_s'] == pytest.approx(sum(s['wall_time_s'] for s in segs), abs=0.2)

# ---- item 8: a checkpoint that does not fit the run is one line -----------------------------

def _drop(prefix):
    def change(tensors):
        del tensors[next(k for k in tensors if k.startswith(prefix))]
    return change

def _reshape(tensors):
    k = next(k for k in tensors if k.startswith('D.') and k.endswith('weight'))
    tensors[k] = torch.zeros(3, 3)

@pytest.mark.parametrize('tensors,meta,model,text', [
    (None, lambda m: m['gan']['config'].update(width=16), 'dcgan', 'has shape'),
    (_reshape, None, 'dcgan', 'has shape'),
    (_drop('G.'), None, 'dcgan', 'lacks tensors'),
    (_drop('G_ema.'), None, 'dcgan', 'lacks tensors'),
    (None, lambda m: m.pop('opt_g'), 'dcgan', 'lacks the counters, optimizer'),
    (None, lambda m: m.update(step='10'), 'dcgan', 'lacks the counters'),
    (None, lambda m: m['gan'].update(config=[8]), 'dcgan', 'must be a JSON object'),
    (None, lambda m: m['gan']['config'].update(loss='nope'), 'dcgan', 'nope'),
    (None, lambda m: m['train'].update(betas=5), 'dcgan', 'training config is invalid'),
    (None, None, 'vanilla', 'holds a dcgan run, not vanilla'),
])
def test_resume_mismatch_is_one_line(run, capsys, tensors, meta, model, text):
    rewrite_checkpoint(run, tensors, meta)
    before = tree(run)
    one_line_error(cli(capsys, 'train', model, '--out', 'run', '--resume', '--max-steps', 20,
                       *CPU), text)
    assert tree(run) == before

# ---- item 9: every number is checked in one place; one line; nothing written ----------------

BAD_VALUES = [
    ['train', 'dcgan', '--ema', 'nan'], ['train', 'dcgan', '--ema', '1'],
    ['train', 'dcgan', '--ema', '-0.5'], ['train', 'dcgan', '--width', '0'],
    ['train', 'dcgan', '--width', '-1'], ['train', 'dcgan', '--width', '100000'],
    ['train', 'dcgan', '--epochs', 'nan'], ['train', 'dcgan', '--epochs', 'inf'],
    ['train', 'dcgan', '--epochs', '0'], ['train', 'dcgan', '--lr', '-1'],
    ['train', 'dcgan', '--lr', 'nan'], ['train', 'dcgan', '--lr', 'inf'],
    ['train', 'dcgan', '--lr-d', 'nan'], ['train', 'dcgan', '--lr-d', '0'],
    ['train', 'dcgan', '--seed', '1e20'], ['train', 'dcgan', '--seed', '-1'],
    ['train', 'dcgan', '--seed', str(2 ** 63)], ['train', 'dcgan', '--batch-size', '1e6'],
    ['train', 'dcgan', '--batch-size', '1000000'], ['train', 'dcgan', '--batch-size', '0'],
    ['train', 'dcgan', '--max-steps', '0'], ['train', 'dcgan', '--max-steps', '-5'],
    ['train', 'dcgan', '--time-limit', '0'], ['train', 'dcgan', '--time-limit', '-1'],
    ['train', 'dcgan', '--time-limit', 'nan'], ['train', 'dcgan', '--checkpoint-every', '0'],
    ['train', 'dcgan', '--checkpoint-every', '-1'],
    ['train', 'dcgan', '--resume', '--ema', 'nan'], ['train', 'dcgan', '--resume', '--lr', 'nan'],
    ['train', 'dcgan', '--resume', '--max-steps', '0'],
    ['train', 'dcgan', '--resume', '--checkpoint-every', '0'],
    ['train', 'dcgan', '--resume', '--epochs', 'inf'],
    ['sample', 'run', '--n', '2000000'], ['sample', 'run', '--n', '0'],
    ['sample', 'run', '--nrow', '-2'], ['sample', 'run', '--nrow', '0'],
    ['sample', 'run', '--seed', '-3'], ['eval', 'run', '--n', '2000000'],
    ['eval', 'run', '--n', '0'], ['eval', 'run', '--seed', '-1'],
    ['bench', '--threads', '-1'], ['bench', '--threads', '0'], ['bench', '--steps', '0'],
    ['bench', '--rounds', '0'], ['bench', '--batch-size', '0'],
    ['distill', 'run', '--width', '2', '--lr', 'nan', '--out', 's'],
    ['distill', 'run', '--width', '2', '--lr', '-1', '--out', 's'],
    ['distill', 'run', '--width', '0', '--out', 's'],
    ['distill', 'run', '--width', '2', '--steps', '0', '--out', 's'],
    ['distill', 'run', '--width', '2', '--bank', '-1', '--out', 's'],
    ['distill', 'run', '--channels', '4', '-4', '--out', 's'],
    ['distill', 'run', '--width', '2', '--batch-size', '1000000', '--out', 's'],
    ['distill', 'run', '--width', '2', '--seed', '1e20', '--out', 's'],
    ['export', 'run', 'mine', '--note', '{bad json'],
    ['export', 'run', 'mine', '--note', '[1, 2]'],
]

@pytest.mark.parametrize('args', BAD_VALUES, ids=' '.join)
def test_bad_value_is_one_line_and_writes_nothing(args, run, tmp_path, capsys):
    before = tree(tmp_path)
    extra = ['--out', 'run', *CPU] if args[0] == 'train' else []
    line = one_line_error(cli(capsys, *args, *extra))
    assert any(a.startswith('--') and a.split('=')[0] in line for a in args), line
    assert tree(tmp_path) == before, 'a bad value wrote or changed files'

def test_limits_are_documented_in_help(capsys):
    for sub, flag in (('train', '--ema'), ('sample', '--n'), ('bench', '--threads')):
        rc, out, err = cli(capsys, sub, '--help')
        assert rc == 0
        name = flag[2:].replace('-', '_')
        assert LIMITS[name].describe() in ' '.join(out.split()), (flag, out)

# ---- item 10: on resume every option is applied or refused ----------------------------------

def _train(meta): return meta['train']

@pytest.mark.parametrize('args,check', [
    (['--max-steps', 15], lambda m, names: m['step'] == 15),
    (['--epochs', 0.2], lambda m, names: _train(m)['epochs'] == 0.2),
    (['--lr', 1e-4], lambda m, names: _train(m)['lr_g'] == 1e-4),
    (['--lr-d', 3e-5], lambda m, names: _train(m)['lr_d'] == 3e-5),
    (['--ema', 0.9], lambda m, names: _train(m)['ema'] == 0.9),
    (['--ema', 0], lambda m, names: _train(m)['ema'] == 0 and
     not any(k.startswith('G_ema.') for k in names)),
    (['--checkpoint-every', 7], lambda m, names: _train(m)['checkpoint_every'] == 7),
    (['--time-limit', 600], lambda m, names: _train(m)['time_limit'] == 600),
    (['--width', 8, '--loss', 'nonsaturating', '--seed', 3, '--batch-size', 64],
     lambda m, names: m['step'] == 15),
    (['--width', 16], "--width 16 differs from the run's width (8)"),
    (['--loss', 'hinge'], "--loss hinge differs"),
    (['--seed', 4], '--seed cannot change when a run resumes'),
    (['--batch-size', 32], '--batch-size cannot change when a run resumes'),
    (['--force'], '--force replaces it'),
])
def test_resume_applies_or_refuses_every_option(run, capsys, args, check):
    steps = [] if '--max-steps' in args else ['--max-steps', 15]
    result = cli(capsys, 'train', 'dcgan', '--out', 'run', '--resume', *args, *steps, *CPU)
    if isinstance(check, str):
        one_line_error(result, check)
        return
    assert result[0] == 0, result
    from safetensors import safe_open
    with safe_open(str(run / 'checkpoint.safetensors'), 'pt') as fh: names = list(fh.keys())
    assert check(meta_of(run), names), meta_of(run)['train']

def test_resume_cannot_start_an_ema(run, capsys):
    assert cli(capsys, 'train', 'dcgan', '--out', 'run', '--resume', '--ema', 0,
               '--max-steps', 12, *CPU)[0] == 0
    one_line_error(cli(capsys, 'train', 'dcgan', '--out', 'run', '--resume', '--ema', 0.99,
                       '--max-steps', 14, *CPU), '--ema cannot start')

def test_resume_past_the_epoch_limit_is_one_line(run, capsys):
    # 0.005 epochs of 938 batches end at step 5, before the run's 10 steps
    before = tree(run)
    one_line_error(cli(capsys, 'train', 'dcgan', '--out', 'run', '--resume', '--epochs', 0.005,
                       '--max-steps', 20, *CPU), 'already has 10 steps, its --epochs')
    assert tree(run) == before

# ---- item 11: divergence is one line; a failed segment saves no settings --------------------

def test_divergence_is_one_line_and_leaves_the_good_settings(run, capsys):
    line = one_line_error(cli(capsys, 'train', 'dcgan', '--width', 8, '--lr', 1e30,
                              '--max-steps', 30, '--out', 'new', *CPU), 'diverged')
    assert 'lower --lr' in line and 'checkpoint.safetensors' not in line, line
    assert not Path('new/checkpoint.safetensors').exists()
    config, ckpt = (run / 'config.json').read_bytes(), (run / 'checkpoint.safetensors').read_bytes()
    line = one_line_error(cli(capsys, 'train', 'dcgan', '--out', 'run', '--resume', '--lr', 1e30,
                              '--max-steps', 30, *CPU), 'diverged')
    assert 'run/checkpoint.safetensors' in line and '--resume' in line, line
    assert (run / 'config.json').read_bytes() == config
    assert (run / 'checkpoint.safetensors').read_bytes() == ckpt
    assert json.loads((run / 'run.json').read_text())['segments'][-1]['status'] == 'diverged'
    rc, out, err = cli(capsys, 'train', 'dcgan', '--out', 'run', '--resume', '--max-steps', 14,
                       *CPU)
    assert rc == 0, err
    assert meta_of(run)['train']['lr_g'] == json.loads(config)['train']['lr_g'] != 1e30

# ---- item 12: --lr's help is true ----------------------------------------------------------

def test_lr_help_is_true(capsys):
    from types import SimpleNamespace
    from ganbook.cli import new_run, trainable
    rc, out, err = cli(capsys, 'train', '--help')
    text = ' '.join(out.split())
    assert '--lr LR learning rate of G (' in text and 'and of D' not in text
    assert "learning rate of D (default: the chapter's, or --lr if it has none" in text
    opts = dict(epochs=None, max_steps=5, time_limit=None, batch_size=None, lr=1e-4, lr_d=None,
                ema=None, seed=None, checkpoint_every=None, width=8, loss=None, device='cpu',
                spectral_norm=None, r1=None, n_critic=None, model='dcgan', init=None, codes=None,
                lambda_code=None)
    dcgan, _ = new_run(SimpleNamespace(**opts), trainable('dcgan'))
    vanilla, _ = new_run(SimpleNamespace(**opts), trainable('vanilla'))
    assert (dcgan.lr_g, dcgan.lr_d) == (1e-4, 8e-4)        # dcgan has its own D rate
    assert (vanilla.lr_g, vanilla.lr_d) == (1e-4, None)    # None: D follows --lr

# ---- item 13: files, disks and data: one line each ------------------------------------------

def test_bad_outputs_are_one_line(run, tmp_path, capsys):
    Path('afile').write_text('x')
    before = tree(tmp_path)
    train = ['train', 'dcgan', '--width', 8, '--max-steps', 2, *CPU]
    one_line_error(cli(capsys, *train, '--out', 'afile'), 'is a file')
    one_line_error(cli(capsys, *train, '--out', 'afile/run'), 'is a file')
    one_line_error(cli(capsys, 'sample', 'run', '--out', 'grid.txt'), 'not an image format')
    one_line_error(cli(capsys, 'sample', 'run', '--out', 'run'), 'not an image format')
    one_line_error(cli(capsys, 'sample', 'run', '--out', 'afile/g.png'), 'is a file')
    (tmp_path / 'adir.png').mkdir()
    one_line_error(cli(capsys, 'sample', 'run', '--out', 'adir.png'), 'is a folder')
    (tmp_path / 'adir.png').rmdir()
    one_line_error(cli(capsys, 'export', 'run', 'afile/w'), 'is a file')
    one_line_error(cli(capsys, 'export', 'run', 'w.ckpt'), 'ends in .safetensors')
    one_line_error(cli(capsys, 'distill', 'run', '--width', 2, '--out', 'afile', *CPU),
                   'is a file')
    assert tree(tmp_path) == before

@pytest.mark.skipif(os.geteuid() == 0, reason='root writes into read-only folders')
def test_read_only_folder_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    ro = tmp_path / 'ro'
    ro.mkdir()
    ro.chmod(0o500)
    try:
        one_line_error(cli(capsys, 'train', 'dcgan', '--width', 8, '--max-steps', 2,
                           '--out', 'ro/run', *CPU), 'Permission denied')
        one_line_error(cli(capsys, 'sample', 'dcgan-mnist', '--out', 'ro/g.png'),
                       'Permission denied')
    finally: ro.chmod(0o700)

def test_full_disk_is_one_line_and_keeps_the_checkpoint(run, capsys, monkeypatch):
    import safetensors.torch
    def full(*args, **kw): raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(safetensors.torch, 'save_file', full)
    ckpt = (run / 'checkpoint.safetensors').read_bytes()
    line = one_line_error(cli(capsys, 'train', 'dcgan', '--out', 'run', '--resume',
                              '--max-steps', 15, *CPU), 'No space left on device')
    assert 'last good checkpoint' in line
    assert (run / 'checkpoint.safetensors').read_bytes() == ckpt
    assert not list(run.glob('.*.tmp'))
    assert json.loads((run / 'run.json').read_text())['segments'][-1]['status'] == 'write failed'
    line = one_line_error(cli(capsys, 'export', 'run', 'mine'), 'No space left on device')
    monkeypatch.undo()
    assert meta_of(run)['step'] == 10

@pytest.fixture
def no_mnist(tmp_path, monkeypatch):
    "GANBOOK_DATA (and the cache) point at empty folders, and downloads cannot reach anything."
    from torchvision.datasets import MNIST
    monkeypatch.setenv('GANBOOK_DATA', str(tmp_path / 'empty'))
    monkeypatch.setenv('GANBOOK_CACHE', str(tmp_path / 'cache'))
    monkeypatch.setattr(MNIST, 'mirrors', ['http://127.0.0.1:9/'])
    monkeypatch.chdir(tmp_path)

def test_missing_data_is_one_line(no_mnist, capsys):
    one_line_error(cli(capsys, 'train', 'dcgan', '--width', 8, '--max-steps', 2, '--out', 'r',
                       *CPU), 'MNIST not found')
    assert not Path('r').exists(), 'a failed start writes nothing'
    one_line_error(cli(capsys, 'eval', 'dcgan-mnist', '--n', 200), 'MNIST not found')
