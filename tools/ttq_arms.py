#!/usr/bin/env python3
"""Wall-clock time-to-quality of chapter 2's default at other Adam rates, several seeds, one run.

The ganbook arm of benchmarks/time_to_quality.py (2 threads, engine clock, FID on 10,000 samples
as a multiple of the floor) for each arm and seed, one after the other. Prints a JSON line each.

  python tools/ttq_arms.py --at 60 --seeds 0 1 2 --arms def lr4x
"""
import argparse, json, sys
from pathlib import Path

import torch

ARMS = {'def': {}, 'lr3x': dict(lr_g=3e-3, lr_d=6e-4), 'lr4x': dict(lr_g=4e-3, lr_d=8e-4)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--at', type=float, nargs='+', default=[60])
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--arms', nargs='+', default=['def', 'lr4x'], choices=sorted(ARMS))
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'benchmarks'))
    from time_to_quality import engine_points
    from ganbook.metrics import fid_floor
    floor = fid_floor(10000)
    for seed in a.seeds:
        for arm in a.arms:
            points, _ = engine_points(sorted(a.at), 10000, seed, floor, codes=10, **ARMS[arm])
            print(json.dumps(dict(arm=arm, seed=seed, points=points)), flush=True)


if __name__ == '__main__': main()
