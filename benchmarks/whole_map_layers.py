#!/usr/bin/env python3
"""Chapter 2's whole-map layers against torch's convolutions: forward + backward time, one run.

The layers of the default DCGAN (width 32, batch 64) whose kernel covers the whole map: G's first
transposed convolution (110x1x1 -> 128x7x7) and D's head (a 7x7 convolution on the 7x7 map to 128
features). Each is timed as torch's layer and as chapter 2's (`WholeMapConvTranspose2d`,
`WholeMapConv2d`, the same weights), forward and backward (input and weight gradients), in float32
with the default memory format and in bf16 autocast with channels-last tensors (the engine's CPU
fast path). The four variants of a layer are timed in interleaved rounds and each keeps its best
round, so all see the same machine load; the speedups are ratios within this run. Prints one JSON
line. Usage: python benchmarks/whole_map_layers.py [--threads 2] [--rounds 7]
"""
import argparse, copy, json, time
import torch
from torch import nn
from ganbook.bench import cpu_features, torch_layers
from ganbook.dcgan import WholeMapConv2d, WholeMapConvTranspose2d


def layer_pairs():
    "name -> (input shape, torch's layer, ours with the same weights)."
    g0 = WholeMapConvTranspose2d(110, 128, 7, bias=False)
    d_head = WholeMapConv2d(64, 128, 7, bias=False)
    return {'G first layer': ((64, 110, 1, 1), torch_layers(copy.deepcopy(g0)), g0),
            'D hidden head': ((64, 64, 7, 7), torch_layers(copy.deepcopy(d_head)), d_head)}


def step_seconds(layer: nn.Module, x: torch.Tensor, bf16: bool, reps: int) -> float:
    "Mean seconds of a forward and backward pass of `layer` on `x`, over `reps` passes."
    t = time.perf_counter()
    for _ in range(reps):
        with torch.autocast('cpu', torch.bfloat16, enabled=bf16):
            y = layer(x)
        y.float().sum().backward()
    return (time.perf_counter() - t) / reps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--rounds', type=int, default=7)
    ap.add_argument('--reps', type=int, default=30)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    out = {}
    for name, (shape, plain, ours) in layer_pairs().items():
        runs = {}
        for path, bf16, fmt in (('float32', False, torch.contiguous_format),
                                ('bf16 + channels-last', True, torch.channels_last)):
            for kind, layer in (('torch', plain), ('ours', ours)):
                layer.to(memory_format=fmt)
                x = torch.randn(shape).contiguous(memory_format=fmt).requires_grad_()
                step_seconds(layer, x, bf16, 5)                     # warm-up
                runs[(path, kind)] = (layer, x, bf16, [])
        for _ in range(a.rounds):
            for layer, x, bf16, times in runs.values():
                times.append(step_seconds(layer, x, bf16, a.reps))
        res = {}
        for path in ('float32', 'bf16 + channels-last'):
            t_torch, t_ours = (min(runs[(path, k)][3]) for k in ('torch', 'ours'))
            res[path] = {'torch_ms': round(1e3 * t_torch, 3), 'ours_ms': round(1e3 * t_ours, 3),
                         'speedup': round(t_torch / t_ours, 2)}
        out[name] = res
    print(json.dumps({'layers': out, 'threads': a.threads, 'rounds': a.rounds, 'reps': a.reps,
                      'cpu': cpu_features(), 'torch': torch.__version__}))


if __name__ == '__main__': main()
