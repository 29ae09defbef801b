#!/usr/bin/env python3
"""Chapter 6's compression table from the shipped weights: one JSON line per model.

Rows: the teacher `dcgan-mnist` and the shipped distilled student `dcgan-mnist-student` (the other
rows of the chapter's table, scratch and pruned models, are not shipped and are recomputed only by
the notebook). Columns as in the chapter: parameters, MACs per sample (FlopCounterMode FLOPs / 2),
float16 safetensors file size, median eager CPU latency at batch 1 and 64 (--repeats runs after 5
warm-up runs, --threads intra-op threads), FID and KID from
`ganbook.metrics.evaluate(G, n, seed=0)`.
Latency depends on the machine and its load: compare rows measured in the same run.
Usage: python benchmarks/distill_table.py [--n 10000] [--threads 1] [--repeats 30]
           [--models dcgan-mnist dcgan-mnist-student]
"""
import argparse, json, platform

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=10000,
                    help='samples for FID/KID (0: skip the metrics)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--repeats', type=int, default=30)
    ap.add_argument('--models', nargs='+', default=['dcgan-mnist', 'dcgan-mnist-student'])
    a = ap.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    from ganbook.distill import table_row
    from ganbook.pretrained import load
    for name in a.models:
        row = table_row(name, load(name), n=a.n, seed=0, threads=a.threads, repeats=a.repeats)
        row.update(machine=f"{platform.machine()} {platform.system()}", torch=torch.__version__)
        print(json.dumps(row), flush=True)

if __name__ == '__main__': main()
