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

  python tools/ttq_arms.py --at 60 --seeds 0 1 2 --arms default lr2x
  python tools/ttq_arms.py --steps 900 1250 --seeds 0 1 --arms lr2x lr4x lam03 --log runs/arms.jsonl
  python tools/ttq_arms.py --summary --log runs/arms.jsonl runs/long.jsonl [--record]
"""
import argparse, json, statistics, sys, time
from collections import defaultdict
from pathlib import Path

import torch

# name: (TrainConfig overrides, DCGAN keyword arguments), over `ganbook train dcgan`'s defaults
# (`default_config()`, `CODE_DEFAULTS`); rates as multiples of PLAIN_RATES (1e-3 for G, 2e-4 for D)
LAM1 = dict(lambda_code=1.0)


def rates(k: float) -> dict:
    "k times PLAIN_RATES."
    return dict(lr_g=k * 1e-3, lr_d=k * 2e-4)


ARMS = {
    'default': ({}, {}),
    'lr2x': (rates(2), LAM1),           # the shipped dcgan-mnist's recipe
    'lr3x': (rates(3), LAM1),
    'lr4x': (rates(4), LAM1),
    'lr6x': (rates(6), LAM1),
    'g4d4': (dict(lr_g=4e-3, lr_d=4e-4), LAM1),
    'g2d8': (dict(lr_g=2e-3, lr_d=8e-4), LAM1),
    'g4d16': (dict(lr_g=4e-3, lr_d=1.6e-3), LAM1),
    'b0': (dict(rates(2), betas=(0.0, 0.99)), LAM1),
    'lr4x-b0': (dict(rates(4), betas=(0.0, 0.99)), LAM1),
    'ema99': (dict(rates(2), ema=0.99), LAM1),
    'ema0': (dict(rates(2), ema=0.0), LAM1),
    'b32': (dict(rates(2), batch_size=32), LAM1),
    'b128': (dict(rates(2), batch_size=128), LAM1),
    'lam03': (rates(2), dict(lambda_code=0.3)),
    'lr4x-lam01': (rates(4), dict(lambda_code=0.1)),
    'lr4x-lam03': (rates(4), dict(lambda_code=0.3)),
    'lr6x-lam03': (rates(6), dict(lambda_code=0.3)),
    'w16': ({}, dict(width=16)),        # the default at other widths
    'w24': ({}, dict(width=24)),
    'default-b32': (dict(batch_size=32), {}),     # the default at other batch sizes
    'default-b48': (dict(batch_size=48), {}),
    'default-b32-lr3x': (dict(rates(3), batch_size=32), {}),
    'default-b32-w24': (dict(batch_size=32), dict(width=24)),
}


def trainer(arm: str, seed: int, time_limit=None):
    "A Trainer for `arm` and `seed`, as `ganbook train dcgan` builds it, writing nothing."
    from ganbook.data import load_mnist
    from ganbook.dcgan import CODE_DEFAULTS, DCGAN, default_config
    from ganbook.train import Trainer
    overrides, gan_kw = ARMS[arm]
    gan_kw = {**CODE_DEFAULTS, **gan_kw}
    cfg = default_config(epochs=None, time_limit=time_limit, device='cpu', log_every=0,
                         sample_every=0, checkpoint_every=0, seed=seed, **overrides)
    torch.manual_seed(seed)
    gan = DCGAN(**gan_kw)
    return Trainer(gan, load_mnist()[0], config=cfg, callbacks=[], progress=False)


def fid_of(tr) -> float:
    "FID of the trainer's generator (the EMA copy, or G in eval mode) on 10,000 samples."
    from ganbook.metrics import evaluate
    from ganbook.train import eval_mode
    with eval_mode(tr.generator):
        return evaluate(tr.generator, 10000, seed=0, device='cpu')['fid']


def by_steps(arm: str, seed: int, steps, floor: float) -> list[dict]:
    "FID x floor after each step count in `steps`."
    tr, points = trainer(arm, seed), []
    for n in sorted(steps):
        while tr.step < n: tr.step_once()
        fid = fid_of(tr)
        points.append(dict(steps=n, fid=round(fid, 4), ratio=round(fid / floor, 1)))
    return points


def by_time(arm: str, seed: int, budgets, floor: float) -> list[dict]:
    "FID x floor after each wall-clock budget of the engine's clock (evaluations excluded)."
    budgets = sorted(budgets)
    tr, done, points = trainer(arm, seed, budgets[0]), 0.0, []
    for b in budgets:
        tr.config.time_limit, done = b - done, b
        tr.fit()
        fid = fid_of(tr)
        points.append(dict(budget_s=b, steps=tr.step, fid=round(fid, 4),
                           ratio=round(fid / floor, 1)))
    return points


def summary(logs, record: bool = False):
    "Mean, min and max of FID x floor per arm and point; `record`: ship the rows as `ttq-arms`."
    rows, runs = defaultdict(list), []
    for log in logs:
        runs += [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    for r in runs:
        for p in r['points']:
            key = ('s', p['budget_s']) if 'budget_s' in p else ('n', p['steps'])
            rows[(r['arm'], key)].append(p['ratio'])
    print(f"{'arm':10s} {'at':>8s} {'seeds':>5s} {'mean':>6s} {'min':>6s} {'max':>6s}")
    for (arm, (kind, at)), x in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        label = f'{at:g}s' if kind == 's' else f'{at} st'
        print(f'{arm:10s} {label:>8s} {len(x):5d} {statistics.mean(x):6.1f} {min(x):6.1f}'
              f' {max(x):6.1f}')
    if record:
        from ganbook.pretrained import save_record
        data = {'runs': runs, 'arms': {k: {'train': v[0], 'gan': v[1]} for k, v in ARMS.items()
                                       if any(r['arm'] == k for r in runs)},
                'command': 'python tools/ttq_arms.py --summary --record --log '
                           + ' '.join(str(p) for p in logs),
                'how': "ganbook train dcgan's defaults plus each arm's overrides, one seed per "
                       'run, scored after fixed step counts: FID of the EMA generator on 10,000 '
                       'samples against the test digits, as a multiple of the floor at 10,000',
                'torch': torch.__version__, 'date': time.strftime('%Y-%m-%d')}
        print('wrote', save_record('ttq-arms', data).name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--at', type=float, nargs='+', help='wall-clock budgets in seconds')
    ap.add_argument('--steps', type=int, nargs='+', help='step counts')
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--arms', nargs='+', default=['default', 'lr2x'], choices=sorted(ARMS))
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--log', type=Path, nargs='+', default=[Path('runs/ttq-arms.jsonl')],
                    help='JSON-lines log: runs append to the first; --summary reads them all')
    ap.add_argument('--summary', action='store_true')
    ap.add_argument('--record', action='store_true',
                    help='with --summary: ship the runs as the record ttq-arms (chapter 2)')
    a = ap.parse_args()
    if a.summary: return summary(a.log, a.record)
    if bool(a.at) == bool(a.steps): sys.exit('ttq_arms: give exactly one of --at and --steps')
    torch.set_num_threads(a.threads)
    from ganbook.metrics import fid_floor
    floor = fid_floor(10000)
    log = a.log[0]
    log.parent.mkdir(parents=True, exist_ok=True)
    for seed in a.seeds:
        for arm in a.arms:
            t = time.perf_counter()
            points = (by_time(arm, seed, a.at, floor) if a.at else
                      by_steps(arm, seed, a.steps, floor))
            row = dict(arm=arm, seed=seed, points=points, threads=a.threads,
                       wall_s=round(time.perf_counter() - t))
            with open(log, 'a') as fh: fh.write(json.dumps(row) + '\n')
            print(json.dumps(row), flush=True)


if __name__ == '__main__': main()
