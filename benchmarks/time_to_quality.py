#!/usr/bin/env python3
"""Time to quality: FID after the same wall-clock budgets, common recipe versus ganbook's default.

Three runs train a DCGAN on MNIST on this machine's CPU, one after the other, and are evaluated
after each budget in --at (default 60 and 300 seconds of training, evaluation time excluded) on
10,000 samples with chapter 5's metrics (ganbook-mnist extractor, seed 0) against the 10,000 test
digits; the floor is 10,000 real training digits against the same reference.
- recipe: a widely copied tutorial's DCGAN corrected to 28x28, torchvision DataLoader with
  per-sample ToTensor/Normalize, Sigmoid + BCELoss, batch 64, Adam 2e-4 (β1 0.5):
  ganbook.bench.TutorialLoop;
- ganbook: chapter 2's defaults, i.e. `ganbook train dcgan`
  (`ganbook.dcgan.train(default_config())`: width 32, 10 codes read back by D's Q head with their
  loss weighted 0.3, a D that mirrors G, Adam 4e-3 for G and 8e-4 for D (fused), in-memory
  batches, EMA of G, and the engine's default precision: bf16 autocast with channels-last on a
  CPU with native bf16), stopped by the engine's own clock (`TrainConfig.time_limit`, what
  `ganbook train --time-limit` sets), one fit per budget step;
- plain: the paper's DCGAN (`codes=0`) at `PLAIN_RATES`, a quarter of the default: 1e-3 for G and
  2e-4 for D (`ganbook train dcgan --codes 0 --lr 1e-3 --lr-d 2e-4`).
Prints one JSON line with a point per budget; --record also ships it, with 100 samples of each
model after the last budget (uint8; ganbook's in rows of one code each), as the record
`time-to-quality`, which chapter 2 plots. Run it on a quiet machine: budgets are wall-clock.
"""
import argparse, json, os, platform, time
import torch

from ganbook.bench import TutorialLoop, cpu_features, default_path

def train_for(step, budget: float) -> int:
    "Call `step()` until `budget` seconds have passed; returns the number of steps."
    t, n = time.perf_counter(), 0
    while time.perf_counter() - t < budget: step(); n += 1
    return n

def to_uint8(x: torch.Tensor) -> torch.Tensor:
    "Images in [-1, 1] as uint8 pixels."
    return ((x.detach().float().cpu() + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)

def recipe_points(budgets, n: int, seed: int, floor: float) -> tuple[list[dict], torch.Tensor]:
    "The tutorial loop's FID (and FID / floor, steps) after each budget, and 100 last samples."
    from ganbook.metrics import evaluate
    recipe, steps, done, points = TutorialLoop(64, seed=seed), 0, 0.0, []
    for b in budgets:
        steps += train_for(recipe.step, b - done)
        done = b
        recipe.G.eval()
        fid = evaluate(recipe.G, n, seed=0)['fid']
        recipe.G.train()
        points.append(dict(fid=round(fid, 4), ratio=round(fid / floor, 1), steps=steps))
    recipe.G.eval()
    with torch.no_grad():
        z = torch.randn(100, 100, generator=torch.Generator().manual_seed(0))
        return points, to_uint8(recipe.G(z))

def engine_points(budgets, n: int, seed: int, floor: float, codes: int,
                  **rates) -> tuple[list[dict], torch.Tensor]:
    "Chapter 2's `train` with `codes` (and `rates`), stopped by the engine's clock at each budget."
    from ganbook.dcgan import default_config, set_code, train
    from ganbook.metrics import evaluate
    # what `ganbook train dcgan` runs, with no end but the engine's clock and nothing written
    config = default_config(epochs=None, time_limit=budgets[0], device='cpu', log_every=0,
                            sample_every=0, checkpoint_every=0, seed=seed, **rates)
    tr, done, points = train(config, progress=False, codes=codes), budgets[0], []
    for i, b in enumerate(budgets):
        if i:
            tr.config.time_limit, done = b - done, b    # the next fit trains for the difference
            tr.fit()
        fid = evaluate(tr.generator, n, seed=0)['fid']
        points.append(dict(fid=round(fid, 4), ratio=round(fid / floor, 1), steps=tr.step))
    z = tr.generator.latent(100, generator=torch.Generator().manual_seed(0))['z']
    if codes: z = set_code(z, torch.arange(10).repeat_interleave(10), codes)   # a row per code
    with torch.no_grad():
        return points, to_uint8(tr.generator.eval()(z))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--at', type=float, nargs='+', default=[60, 300],
                    help='training budgets in seconds, evaluated at each')
    ap.add_argument('--n', type=int, default=10000)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--record', action='store_true',
                    help='also save the result as the shipped record time-to-quality')
    a = ap.parse_args()
    if any(b <= 0 for b in a.at): ap.error('--at budgets must be positive')
    torch.set_num_threads(a.threads)
    from ganbook.dcgan import CODE_DEFAULTS, PLAIN_RATES, default_config
    from ganbook.metrics import fid_floor
    t0 = time.time()
    floor = fid_floor(a.n)
    budgets = sorted(a.at)
    arms = {'recipe': recipe_points(budgets, a.n, a.seed, floor),
            'ganbook': engine_points(budgets, a.n, a.seed, floor, codes=10),
            'plain': engine_points(budgets, a.n, a.seed, floor, codes=0, **PLAIN_RATES)}
    points = [{'budget_s': b} for b in budgets]
    samples = {f'{name}.samples': arm[1] for name, arm in arms.items()}
    for name, (rows, _) in arms.items():
        for p, row in zip(points, rows):
            p.update({f'{name}_{k}': v for k, v in row.items()})
    out = {'floor_fid': round(floor, 4), 'points': points, 'n': a.n, 'threads': a.threads,
           'seed': a.seed, 'ganbook_path': default_path(), 'cpu': cpu_features(),
           'ganbook_recipe': {'lr_g': default_config().lr_g, 'lr_d': default_config().lr_d,
                              **CODE_DEFAULTS}}
    print(json.dumps(out))
    if a.record:
        from ganbook.pretrained import save_record
        out.update(command='python benchmarks/time_to_quality.py --at '
                   + ' '.join(f'{b:g}' for b in budgets) + ' --record',
                   wall_time_s=round(time.time() - t0),
                   machine=f"{platform.machine()} CPU, {os.cpu_count()} cores, {a.threads} torch "
                           "threads, nothing else running",
                   torch=torch.__version__, date=time.strftime('%Y-%m-%d'))
        print('wrote', save_record('time-to-quality', out, samples).name)

if __name__ == '__main__': main()
