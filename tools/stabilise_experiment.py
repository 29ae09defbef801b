"""Chapter 7's experiment: chapter 2's DCGAN under five losses/regularisers, same CPU time.

    python tools/stabilise_experiment.py run METHOD SEED [--seconds 240]   # one run
    python tools/stabilise_experiment.py all [--seconds 240] [--seeds 0 1]  # every run, 2 at a time
    python tools/stabilise_experiment.py collect [--ship]                  # the table and record

Each run uses one thread (OMP_NUM_THREADS=1) and stops after SECONDS of its own CPU time, so runs
that share the machine get the same budget. A run writes runs/stabilise/METHOD-sSEED/ (metrics,
checkpoint, result.json with FID, precision, recall and class coverage of 5,000 samples).
`collect` adds the FID floor (5,000 real training digits against the test digits) and, with
--ship, writes the record `stabilise-experiment` that chapter 7 shows.
"""
import argparse, json, os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / 'runs' / 'stabilise'

def run_one(method: str, seed: int, seconds: float):
    import torch
    torch.set_num_threads(1)
    from ganbook.stabilise import experiment_run
    out = RUNS / f'{method}-s{seed}'
    out.mkdir(parents=True, exist_ok=True)
    for f in out.glob('*'): f.unlink()
    print(json.dumps(experiment_run(method, seed, seconds, out)), flush=True)

def run_all(seconds: float, seeds: list):
    from ganbook.stabilise import METHODS
    queues = [[(m, s) for m in METHODS] for s in seeds]
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    procs = []
    for q in queues:          # one queue per seed, the queues side by side
        cmd = ' && '.join(f'{sys.executable} {__file__} run {m} {s} --seconds {seconds}'
                          for m, s in q)
        procs.append(subprocess.Popen(['bash', '-c', cmd], env=env))
    sys.exit(max(p.wait() for p in procs))

def collect(ship: bool):
    from ganbook.pretrained import save_record
    from ganbook.stabilise import experiment_record
    data, tensors = experiment_record(RUNS)
    for r in data['runs']:
        print(r['method'], r['seed'], f"FID x floor {r['fid_x_floor']:.1f}", r['steps'])
    seconds = {r['budget_cpu_s'] for r in data['runs']}
    data['command'] = (f"python tools/stabilise_experiment.py all --seconds {min(seconds):g} && "
                       "python tools/stabilise_experiment.py collect --ship")
    data['machine'] = 'CPU (2 cores, AVX-512), one thread per run, two runs at a time'
    if ship: print(save_record('stabilise-experiment', data, tensors))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run'); r.add_argument('method'); r.add_argument('seed', type=int)
    r.add_argument('--seconds', type=float, default=240)
    a_ = sub.add_parser('all'); a_.add_argument('--seconds', type=float, default=240)
    a_.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    c = sub.add_parser('collect'); c.add_argument('--ship', action='store_true')
    a = p.parse_args()
    if a.cmd == 'run': run_one(a.method, a.seed, a.seconds)
    elif a.cmd == 'all': run_all(a.seconds, a.seeds)
    else: collect(a.ship)
