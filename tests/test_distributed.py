"""Two CPU processes with gloo: identical parameters after training, run directory written once."""
import json, sys
from pathlib import Path
from conftest import run

WORKER = Path(__file__).with_name('dist_worker.py')

def torchrun(*args, timeout=600):
    return run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2',
                *map(str, args)], env={'OMP_NUM_THREADS': '1'}, timeout=timeout)

def test_two_processes_agree(tmp_path):
    r = torchrun(WORKER, tmp_path)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    from safetensors.torch import load_file
    p0, p1 = (load_file(str(tmp_path / f'rank{r}.safetensors')) for r in (0, 1))
    assert p0.keys() == p1.keys() and len(p0) > 10
    assert all((p0[k] == p1[k]).all() for k in p0), 'parameters differ across ranks'
    info = [json.loads((tmp_path / f'rank{r}.json').read_text()) for r in (0, 1)]
    assert info[0]['first_batch'] != info[1]['first_batch'], 'ranks must see different data shards'
    assert info[0]['noise'] != info[1]['noise'], 'ranks must draw different noise'
    lines = (tmp_path / 'run' / 'metrics.jsonl').read_text().splitlines()
    steps = [json.loads(l)['step'] for l in lines]
    assert steps == sorted(set(steps)) and steps[-1] == 12, \
        f'metrics.jsonl written more than once: {steps}'
    assert (tmp_path / 'run' / 'checkpoint.safetensors').exists()
    assert not list((tmp_path / 'run').glob('.*.tmp')), 'stray temporary files'

def test_cli_under_torchrun(tmp_path):
    r = torchrun('-m', 'ganbook.cli', 'train', 'dcgan', '--width', '8', '--max-steps', '6',
                 '--device', 'cpu', '--out', tmp_path / 'run', '--quiet')
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert r.stdout.count('done:') == 1, r.stdout                 # only rank 0 reports
    assert json.loads((tmp_path / 'run' / 'run.json').read_text())['processes'] == 2
