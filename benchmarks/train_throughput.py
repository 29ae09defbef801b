#!/usr/bin/env python3
"""DCGAN training throughput: the common recipe versus ganbook's engine, same maths, one run.

The common recipe (as in many tutorials): torchvision MNIST + DataLoader with per-sample
ToTensor()/Normalize(), a discriminator ending in Sigmoid with BCELoss, default memory format.
ganbook: the in-memory BatchIterator, logits with softplus losses (BCE with logits), D frozen
during G's backward pass, and the engine's Trainer. Both use the same DCGAN (a widely copied
tutorial's architecture corrected to 28x28: G 100→256→128→1, D 1→64→128→1), batch size, Adam
settings and thread count. The two loops live in ganbook.bench (`ganbook bench` prints the same
ratio); this script adds the FLOP bound and a profiler view. Prints one JSON line.
Usage: python benchmarks/train_throughput.py [--steps 150] [--profile]. Run it on a quiet machine:
other processes on the same cores distort both numbers.
"""
import argparse, json, sys, time
import torch
from ganbook.bench import EngineLoop, TutorialLoop, samples_per_second

def matmul_gflops(n=2048, reps=5) -> float:
    "Measured fp32 matmul rate, GFLOP/s."
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(2): a @ b
    t = time.perf_counter()
    for _ in range(reps): a @ b
    return 2 * n ** 3 * reps / (time.perf_counter() - t) / 1e9

def flops_per_sample(obj, batch_size) -> float:
    "FLOPs of one training step, counted by torch's FlopCounterMode, per sample."
    from torch.utils.flop_counter import FlopCounterMode
    obj.step()
    with FlopCounterMode(display=False) as fc: obj.step()
    return fc.get_total_flops() / batch_size

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--steps', type=int, default=150)
    ap.add_argument('--batch-size', type=int, default=64)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--rounds', type=int, default=2)
    ap.add_argument('--profile', action='store_true',
                    help='print the torch profiler table of both loops to stderr')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    recipe, engine = TutorialLoop(a.batch_size), EngineLoop(a.batch_size)
    if a.profile:
        from torch.profiler import profile, ProfilerActivity
        for name, obj in (('recipe', recipe), ('ganbook', engine)):
            for _ in range(5): obj.step()
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                for _ in range(20): obj.step()
            table = prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=18)
            print(f'== {name}\n' + table, file=sys.stderr)
    base, ours = [], []
    for _ in range(a.rounds):                       # interleaved, best of rounds for each
        base.append(samples_per_second(recipe, a.steps, a.batch_size))
        ours.append(samples_per_second(engine, a.steps, a.batch_size))
    gflops = matmul_gflops()
    fps = flops_per_sample(recipe, a.batch_size)
    bound = gflops * 1e9 / fps
    b, o = max(base), max(ours)
    engine_fps = flops_per_sample(engine, a.batch_size)
    print(json.dumps({'baseline_sps': round(b, 1), 'ganbook_sps': round(o, 1),
                      'ratio': round(o / b, 3),
                      'flop_bound_sps': round(bound, 1), 'fraction_of_bound': round(o / bound, 3),
                      'threads': a.threads, 'batch_size': a.batch_size,
                      'matmul_gflops': round(gflops, 1), 'gflop_per_sample': round(fps / 1e9, 4),
                      'ganbook_gflop_per_sample': round(engine_fps / 1e9, 4)}))

if __name__ == '__main__': main()
