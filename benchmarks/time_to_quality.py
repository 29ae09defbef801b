#!/usr/bin/env python3
"""Time to quality: FID after the same wall-clock budget, common recipe versus ganbook's default.

Both train a DCGAN on MNIST on this machine's CPU for --budget seconds (default 300), then are
evaluated on 10,000 samples with chapter 5's metrics (ganbook-mnist extractor, seed 0) against the
10,000 test digits; the floor is 10,000 real training digits against the same reference.
- recipe: a widely copied tutorial's DCGAN corrected to 28x28, torchvision DataLoader with
  per-sample ToTensor/Normalize, Sigmoid + BCELoss, batch 64, Adam 2e-4 (β1 0.5):
  ganbook.bench.TutorialLoop;
- ganbook: chapter 2's defaults, i.e. `ganbook train dcgan`
  (`ganbook.dcgan.train(default_config())`: width 32, a D that mirrors G, Adam 1e-3 for G and 2e-4
  for D, in-memory batches, EMA of G), stopped by the clock.
Prints one JSON line. Run it on a quiet machine: the budget is wall-clock time.
"""
import argparse, json, time
import torch

from ganbook.bench import TutorialLoop

def train_for(step, budget: float) -> int:
    "Call `step()` until `budget` seconds have passed; returns the number of steps."
    t, n = time.perf_counter(), 0
    while time.perf_counter() - t < budget: step(); n += 1
    return n

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--budget', type=float, default=300)
    ap.add_argument('--n', type=int, default=10000)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from ganbook.dcgan import default_config, train
    from ganbook.metrics import evaluate, real_images
    floor = evaluate(real_images('train', a.n, seed=1), a.n, seed=0)['fid']
    recipe = TutorialLoop(64)
    recipe_steps = train_for(recipe.step, a.budget)
    recipe.G.eval()
    recipe_fid = evaluate(recipe.G, a.n, seed=0)['fid']
    # ganbook's default: what `ganbook train dcgan` runs (chapter 2's train() and default_config()),
    # with no end but the clock (TrainConfig.time_limit) and nothing written
    config = default_config(epochs=None, time_limit=a.budget, device='cpu', log_every=0,
                            sample_every=0, checkpoint_every=0)
    tr = train(config, progress=False)
    ganbook_steps = tr.step
    ganbook_fid = evaluate(tr.generator, a.n, seed=0)['fid']
    print(json.dumps({'budget_s': a.budget, 'floor_fid': round(floor, 4),
                      'recipe_fid': round(recipe_fid, 4), 'ganbook_fid': round(ganbook_fid, 4),
                      'recipe_ratio': round(recipe_fid / floor, 1),
                      'ganbook_ratio': round(ganbook_fid / floor, 1), 'recipe_steps': recipe_steps,
                      'ganbook_steps': ganbook_steps, 'n': a.n, 'threads': a.threads}))

if __name__ == '__main__': main()
