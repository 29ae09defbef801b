#!/usr/bin/env python3
"""DCGAN training throughput: the common recipe versus ganbook's engine, same maths and default.

The common recipe (as in many tutorials): torchvision MNIST + DataLoader with per-sample
ToTensor()/Normalize(), a discriminator ending in Sigmoid with BCELoss, default memory format.
ganbook: the in-memory BatchIterator, logits with softplus losses (BCE with logits), D frozen
during G's backward pass, and the engine's Trainer. Both use the same DCGAN (a widely copied
tutorial's architecture corrected to 28x28: G 100→256→128→1, D 1→64→128→1), batch size, Adam
settings and thread count. The engine is timed twice: in the recipe's float32 maths (`ratio`), and
on its default path (`default_ratio`), which on a CPU with native bf16 (AVX-512 BF16 or AMX) is
bf16 autocast with channels-last batches and elsewhere the same float32. The loops live in
ganbook.bench (`ganbook bench` prints the same ratios); this script adds a bound for each loop and
a profiler view. Prints one JSON line.

The bound is what a step would cost if it did nothing but its convolutions and matmuls: one step
of each loop is recorded (every aten convolution, convolution_backward and mm/addmm/bmm call,
with its arguments' shapes, strides and dtypes), and those calls are replayed on inputs made in
advance. A real step does all of that work and more, so `fraction_of_bound` (the loop's samples/s
over its bound's) is at most 1, and the gap is what the rest of the step costs. Each round times
every loop and then its replay, back to back, and the replay keeps its fastest of several short
windows: on a shared machine whose speed drifts (a 2-vCPU VM here varied 2x within a minute) the
loop's best round must not meet a bound taken in a slow spell. (The FLOP counts
are reported too; a peak from one large square matmul is not a bound for these small
convolutions, which run far below it.) `cpu` names the CPU features that matter for a bf16 path.
Usage: python benchmarks/train_throughput.py [--steps 150] [--profile]. Run it on a quiet machine:
other processes on the same cores distort both numbers.
"""
import argparse, json, sys, time
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from ganbook.bench import (SAME_MATHS, EngineLoop, TutorialLoop, cpu_features, default_path,
                           samples_per_second)

KERNELS = {torch.ops.aten.convolution.default, torch.ops.aten.convolution_backward.default,
           torch.ops.aten.mm.default, torch.ops.aten.addmm.default, torch.ops.aten.bmm.default}

class _Record(TorchDispatchMode):
    "Record every convolution / matmul of a step: the op and its arguments' shapes."
    def __init__(self): super().__init__(); self.calls = []
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in KERNELS: self.calls.append((func, _spec(args), _spec(kwargs)))
        return func(*args, **kwargs)

def _spec(x):
    "Tensors as (shape, stride, dtype) placeholders; everything else as is."
    if isinstance(x, torch.Tensor): return ('T', tuple(x.shape), tuple(x.stride()), x.dtype)
    if isinstance(x, (list, tuple)): return type(x)(_spec(v) for v in x)
    if isinstance(x, dict): return {k: _spec(v) for k, v in x.items()}
    return x

def _make(x):
    "Fresh inputs for a recorded call (random values with the recorded shape, stride and dtype)."
    if isinstance(x, tuple) and len(x) == 4 and x[0] == 'T':
        _, shape, stride, dtype = x
        return torch.empty_strided(shape, stride, dtype=dtype).normal_()
    if isinstance(x, (list, tuple)): return type(x)(_make(v) for v in x)
    if isinstance(x, dict): return {k: _make(v) for k, v in x.items()}
    return x

def record_kernels(obj) -> list:
    "The convolutions and matmuls of one step of `obj`, with fresh inputs made in advance."
    obj.step()
    rec = _Record()
    with rec: obj.step()
    calls = [(f, _make(a), _make(k)) for f, a, k in rec.calls]
    for f, a, k in calls: f(*a, **k)                       # warm-up
    return calls

def replay_seconds(calls, reps=4, windows=5) -> float:
    "Seconds per step of replaying `calls`: the fastest of `windows` means over `reps` replays."
    best = float('inf')
    for _ in range(windows):         # short windows: the fastest catches the machine's fast spells
        t = time.perf_counter()
        for _ in range(reps):
            for f, a, k in calls: f(*a, **k)
        best = min(best, (time.perf_counter() - t) / reps)
    return best

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
    loops = {'recipe': TutorialLoop(a.batch_size),
             'ganbook': EngineLoop(a.batch_size, **SAME_MATHS),
             'default': EngineLoop(a.batch_size)}
    if a.profile:
        from torch.profiler import profile, ProfilerActivity
        for name, obj in loops.items():
            for _ in range(5): obj.step()
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                for _ in range(20): obj.step()
            table = prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=18)
            print(f'== {name}\n' + table, file=sys.stderr)
    calls = {k: record_kernels(obj) for k, obj in loops.items()}
    rates, bound_s = {k: [] for k in loops}, {k: [] for k in loops}
    for _ in range(a.rounds):       # interleaved, and each loop's bound next to its own rate:
        for k, obj in loops.items():    # the machine's slow spells then affect both alike
            rates[k].append(samples_per_second(obj, a.steps, a.batch_size))
            bound_s[k].append(replay_seconds(calls[k]))
    best = {k: max(v) for k, v in rates.items()}
    bounds = {k: (a.batch_size / min(bound_s[k]), len(calls[k])) for k in loops}
    b, o, d = best['recipe'], best['ganbook'], best['default']
    print(json.dumps({'baseline_sps': round(b, 1), 'ganbook_sps': round(o, 1),
                      'ratio': round(o / b, 3),
                      'default_sps': round(d, 1), 'default_ratio': round(d / b, 3),
                      'default_path': default_path(),
                      'kernel_bound_sps': round(bounds['ganbook'][0], 1),
                      'fraction_of_bound': round(o / bounds['ganbook'][0], 3),
                      'default_kernel_bound_sps': round(bounds['default'][0], 1),
                      'default_fraction_of_bound': round(d / bounds['default'][0], 3),
                      'recipe_kernel_bound_sps': round(bounds['recipe'][0], 1),
                      'recipe_fraction_of_bound': round(b / bounds['recipe'][0], 3),
                      'kernel_calls_per_step': bounds['ganbook'][1],
                      'threads': a.threads, 'batch_size': a.batch_size,
                      'gflop_per_sample':
                          round(flops_per_sample(loops['recipe'], a.batch_size) / 1e9, 4),
                      'ganbook_gflop_per_sample':
                          round(flops_per_sample(loops['ganbook'], a.batch_size) / 1e9, 4),
                      'cpu': cpu_features()}))

if __name__ == '__main__': main()
