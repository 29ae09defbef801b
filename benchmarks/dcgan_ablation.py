#!/usr/bin/env python3
"""DCGAN ablation: FID / floor after a fixed number of steps, for one configuration per call.

Trains `ganbook.dcgan.DCGAN` on MNIST (CPU, in-memory batches, `ganbook.bench.EngineLoop`: one
`Trainer.step_once()` per step) and evaluates the EMA generator (and the raw one) at the steps
given by --evals with chapter 5's metrics on 10,000 samples (seed 0). Prints one JSON line per
evaluation. Steps, not seconds, so two configurations can run side by side on one thread each;
multiply by a configuration's measured step time (`--time-steps`) to compare at equal wall clock.

  python benchmarks/dcgan_ablation.py --width 32 --d-hidden 128 --lr-g 1e-3 --lr-d 2e-4 \\
      --evals 1000,2000,4000
  python benchmarks/dcgan_ablation.py --width 32 --time-steps 60 --threads 2      # ms per step only
"""
import argparse, json, time
import torch

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--width', type=int, default=64)
    ap.add_argument('--d-hidden', type=int, default=None,
                    help="0: the plain head (one 7x7 convolution to the logit)")
    ap.add_argument('--batch-size', type=int, default=64)
    ap.add_argument('--lr-g', type=float, default=1e-3)
    ap.add_argument('--lr-d', type=float, default=2e-4)
    ap.add_argument('--ema', type=float, default=0.999)
    ap.add_argument('--loss', default='nonsaturating')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--n', type=int, default=10000)
    ap.add_argument('--evals', default='1000,2000')
    ap.add_argument('--time-steps', type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from ganbook.dcgan import DCGAN, default_config
    from ganbook.metrics import evaluate, real_images
    from ganbook.bench import EngineLoop
    def make_gan(): return DCGAN(width=a.width, loss=a.loss, d_hidden=a.d_hidden)
    loop = EngineLoop(a.batch_size, seed=a.seed, make_gan=make_gan, lr_g=a.lr_g, lr_d=a.lr_d,
                      ema=a.ema, betas=default_config().betas)   # chapter 2's Adam betas
    tr, step = loop.trainer, loop.step
    setup = {k: v for k, v in vars(a).items() if k not in ('evals', 'n')}
    if a.time_steps:
        for _ in range(10): step()
        t = time.perf_counter()
        for _ in range(a.time_steps): step()
        ms = 1000 * (time.perf_counter() - t) / a.time_steps
        print(json.dumps({**setup, 'ms_per_step': round(ms, 1)})); return
    floor = evaluate(real_images('train', a.n, seed=1), a.n, seed=0)['fid']
    done, train_s = 0, 0.0
    for target in sorted(int(s) for s in a.evals.split(',')):
        t = time.perf_counter()
        while done < target: step(); done += 1
        train_s += time.perf_counter() - t
        m = evaluate(tr.generator, a.n, seed=0)
        raw = evaluate(tr.gan.G, a.n, seed=0)['fid'] if a.ema else m['fid']
        print(json.dumps({**setup, 'steps': done, 'train_s': round(train_s, 1),
                          'fid': round(m['fid'], 4), 'ratio': round(m['fid'] / floor, 1),
                          'raw_ratio': round(raw / floor, 1), 'precision': round(m['precision'], 3),
                          'recall': round(m['recall'], 3)}), flush=True)

if __name__ == '__main__': main()
