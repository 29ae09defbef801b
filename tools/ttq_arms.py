#!/usr/bin/env python3
"""Early quality of chapter 2's default against other settings, several seeds, one run.

Two modes, both with the time-to-quality benchmark's measure (FID of the EMA generator on 10,000
samples, chapter 5's metrics, as a multiple of the floor at 10,000):
- --at SECONDS: the ganbook arm of benchmarks/time_to_quality.py (2 threads, the engine's clock),
  so arms that change the cost of a step compete fairly;
- --steps N [N ...]: evaluate after these step counts, for arms that leave the cost of a step
  alone (rates, betas, the code's weight); step counts are far less noisy than a shared VM's clock.
Arms are `ganbook train dcgan`'s defaults plus the overrides in ARMS. Prints a JSON line each and
appends it to --log.

  python tools/ttq_arms.py --at 60 --seeds 0 1 2 --arms def lr4x
  python tools/ttq_arms.py --steps 900 1250 --seeds 0 1 --arms def lr4x lam03 --log runs/arms.jsonl
  python tools/ttq_arms.py --summary --log runs/arms.jsonl
"""
import argparse, json, statistics, sys, time
from collections import defaultdict
from pathlib import Path

import torch

# name: (TrainConfig overrides, DCGAN keyword arguments)
ARMS = {
    'def': ({}, {}),
    'lr3x': (dict(lr_g=3e-3, lr_d=6e-4), {}),
    'lr4x': (dict(lr_g=4e-3, lr_d=8e-4), {}),
    'g4d4': (dict(lr_g=4e-3, lr_d=4e-4), {}),
    'lr6x': (dict(lr_g=6e-3, lr_d=1.2e-3), {}),
    'g2d8': (dict(lr_g=2e-3, lr_d=8e-4), {}),
    'g4d16': (dict(lr_g=4e-3, lr_d=1.6e-3), {}),
    'lr4x-b0': (dict(lr_g=4e-3, lr_d=8e-4, betas=(0.0, 0.99)), {}),
    'lr4x-lam03': (dict(lr_g=4e-3, lr_d=8e-4), dict(lambda_code=0.3)),
    'b0': (dict(betas=(0.0, 0.99)), {}),
    'lam03': ({}, dict(lambda_code=0.3)),
    'lam3': ({}, dict(lambda_code=3.0)),
    'ema99': (dict(ema=0.99), {}),
    'b32': (dict(batch_size=32), {}),
    'b128': (dict(batch_size=128), {}),
}


def trainer(arm: str, seed: int, time_limit=None):
    "A Trainer for `arm` and `seed`, as `ganbook train dcgan` builds it, writing nothing."
    from ganbook.data import load_mnist
    from ganbook.dcgan import DCGAN, default_config
    from ganbook.train import Trainer
    overrides, gan_kw = ARMS[arm]
    cfg = default_config(epochs=None, time_limit=time_limit, device='cpu', log_every=0,
                         sample_every=0, checkpoint_every=0, seed=seed, **overrides)
    torch.manual_seed(seed)
    gan = DCGAN(codes=10, **gan_kw)
    return Trainer(gan, load_mnist()[0], config=cfg, callbacks=[], progress=False)


def by_steps(arm: str, seed: int, steps, floor: float) -> list[dict]:
    "FID x floor after each step count in `steps`."
    from ganbook.metrics import evaluate
    tr, points = trainer(arm, seed), []
    for n in sorted(steps):
        while tr.step < n: tr.step_once()
        fid = evaluate(tr.generator, 10000, seed=0, device='cpu')['fid']
        points.append(dict(steps=n, fid=round(fid, 4), ratio=round(fid / floor, 1)))
    return points


def by_time(arm: str, seed: int, budgets, floor: float) -> list[dict]:
    "FID x floor after each wall-clock budget of the engine's clock (evaluations excluded)."
    from ganbook.metrics import evaluate
    budgets = sorted(budgets)
    tr, done, points = trainer(arm, seed, budgets[0]), 0.0, []
    for b in budgets:
        tr.config.time_limit, done = b - done, b
        tr.fit()
        fid = evaluate(tr.generator, 10000, seed=0, device='cpu')['fid']
        points.append(dict(budget_s=b, steps=tr.step, fid=round(fid, 4), ratio=round(fid / floor, 1)))
    return points


def summary(log: Path):
    "Mean, min and max of FID x floor per arm and point."
    rows = defaultdict(list)
    for line in log.read_text().splitlines():
        r = json.loads(line)
        for p in r['points']:
            key = ('s', p['budget_s']) if 'budget_s' in p else ('n', p['steps'])
            rows[(r['arm'], key)].append(p['ratio'])
    print(f"{'arm':8s} {'at':>8s} {'seeds':>5s} {'mean':>6s} {'min':>6s} {'max':>6s}")
    for (arm, (kind, at)), x in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        label = f'{at:g}s' if kind == 's' else f'{at} st'
        print(f'{arm:8s} {label:>8s} {len(x):5d} {statistics.mean(x):6.1f} {min(x):6.1f}'
              f' {max(x):6.1f}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--at', type=float, nargs='+', help='wall-clock budgets in seconds')
    ap.add_argument('--steps', type=int, nargs='+', help='step counts')
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--arms', nargs='+', default=['def', 'lr4x'], choices=sorted(ARMS))
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--log', type=Path, default=Path('runs/ttq-arms.jsonl'))
    ap.add_argument('--summary', action='store_true')
    a = ap.parse_args()
    if a.summary: return summary(a.log)
    if bool(a.at) == bool(a.steps): sys.exit('ttq_arms: give exactly one of --at and --steps')
    torch.set_num_threads(a.threads)
    from ganbook.metrics import fid_floor
    floor = fid_floor(10000)
    a.log.parent.mkdir(parents=True, exist_ok=True)
    for seed in a.seeds:
        for arm in a.arms:
            t = time.perf_counter()
            points = (by_time(arm, seed, a.at, floor) if a.at else
                      by_steps(arm, seed, a.steps, floor))
            row = dict(arm=arm, seed=seed, points=points, wall_s=round(time.perf_counter() - t))
            with open(a.log, 'a') as fh: fh.write(json.dumps(row) + '\n')
            print(json.dumps(row), flush=True)


if __name__ == '__main__': main()
