#!/usr/bin/env python3
"""Time to quality: FID after the same wall-clock budgets, common recipe versus ganbook's default.

Both train a DCGAN on MNIST on this machine's CPU and are evaluated after each budget in --at
(default 60 and 300 seconds of training, evaluation time excluded) on 10,000 samples with
chapter 5's metrics (ganbook-mnist extractor, seed 0) against the
10,000 test digits; the floor is 10,000 real training digits against the same reference.
- recipe: a widely copied tutorial's DCGAN corrected to 28x28, torchvision DataLoader with
  per-sample ToTensor/Normalize, Sigmoid + BCELoss, batch 64, Adam 2e-4 (β1 0.5):
  ganbook.bench.TutorialLoop;
- ganbook: chapter 2's defaults, i.e. `ganbook train dcgan`
  (`ganbook.dcgan.train(default_config())`: width 32, a D that mirrors G, Adam 1e-3 for G and 2e-4
  for D, in-memory batches, EMA of G, and the engine's default precision: bf16 autocast with
  channels-last on a CPU with native bf16), stopped by the engine's own clock
  (`TrainConfig.time_limit`, what `ganbook train --time-limit` sets), one fit per budget step.
Prints one JSON line with a point per budget. Run it on a quiet machine: budgets are wall-clock.
"""
import argparse, json, time
import torch

from ganbook.bench import TutorialLoop, cpu_features, default_path

def train_for(step, budget: float) -> int:
    "Call `step()` until `budget` seconds have passed; returns the number of steps."
    t, n = time.perf_counter(), 0
    while time.perf_counter() - t < budget: step(); n += 1
    return n

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--at', type=float, nargs='+', default=[60, 300],
                    help='training budgets in seconds, evaluated at each')
    ap.add_argument('--n', type=int, default=10000)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from ganbook.dcgan import default_config, train
    from ganbook.metrics import evaluate, fid_floor
    floor = fid_floor(a.n)
    budgets = sorted(a.at)
    points = [{'budget_s': b} for b in budgets]
    recipe, steps, done = TutorialLoop(64, seed=a.seed), 0, 0.0
    for p, b in zip(points, budgets):
        steps += train_for(recipe.step, b - done)
        done = b
        recipe.G.eval()
        fid = evaluate(recipe.G, a.n, seed=0)['fid']
        recipe.G.train()
        p.update(recipe_fid=round(fid, 4), recipe_ratio=round(fid / floor, 1), recipe_steps=steps)
    # ganbook's default: what `ganbook train dcgan` runs (chapter 2's train() and default_config()),
    # with no end but the engine's clock (TrainConfig.time_limit) and nothing written
    config = default_config(epochs=None, time_limit=budgets[0], device='cpu', log_every=0,
                            sample_every=0, checkpoint_every=0, seed=a.seed)
    tr, done = train(config, progress=False), budgets[0]
    for i, (p, b) in enumerate(zip(points, budgets)):
        if i:
            tr.config.time_limit, done = b - done, b    # the next fit trains for the difference
            tr.fit()
        fid = evaluate(tr.generator, a.n, seed=0)['fid']
        p.update(ganbook_fid=round(fid, 4), ganbook_ratio=round(fid / floor, 1),
                 ganbook_steps=tr.step)
    print(json.dumps({'floor_fid': round(floor, 4), 'points': points, 'n': a.n,
                      'threads': a.threads, 'seed': a.seed, 'ganbook_path': default_path(),
                      'cpu': cpu_features()}))

if __name__ == '__main__': main()
