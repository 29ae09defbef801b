#!/usr/bin/env python3
"""DCGAN training throughput: the common recipe versus ganbook's engine, same maths, one run.

The common recipe (as in many tutorials): torchvision MNIST + DataLoader with per-sample
ToTensor()/Normalize(), a discriminator ending in Sigmoid with BCELoss, default memory format.
ganbook: the in-memory BatchIterator, logits with softplus losses (BCE with logits), D frozen
during G's backward pass, and the engine's Trainer. Both use the same DCGAN (seed article's
architecture corrected to 28x28: G 100→256→128→1, D 1→64→128→1), batch size, Adam settings and
thread count. Prints one JSON line. Usage: python benchmarks/train_throughput.py [--steps 150]
[--profile]. Run it on a quiet machine: other processes on the same cores distort both numbers.
"""
import argparse, json, sys, time
import torch
from torch import nn

def matmul_gflops(n=2048, reps=5) -> float:
    "Measured fp32 matmul rate, GFLOP/s."
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(2): a @ b
    t = time.perf_counter()
    for _ in range(reps): a @ b
    return 2 * n ** 3 * reps / (time.perf_counter() - t) / 1e9

class Recipe:
    "The common recipe's training loop (D step then G step on the same fakes, Sigmoid + BCELoss)."
    def __init__(self, batch_size, root):
        from torchvision import datasets, transforms
        from ganbook.dcgan import Generator, Discriminator
        torch.manual_seed(0)
        self.G, D = Generator(), Discriminator()
        self.D = nn.Sequential(D, nn.Sigmoid())
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
        ds = datasets.MNIST(root, train=True, download=False, transform=tf)
        self.loader = torch.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=True, drop_last=True)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.bce, self.it = nn.BCELoss(), None

    def batch(self):
        if self.it is None: self.it = iter(self.loader)
        try: return next(self.it)[0]
        except StopIteration: self.it = None; return self.batch()

    def step(self):
        real = self.batch(); b = real.shape[0]
        ones, zeros = torch.ones(b), torch.zeros(b)
        fake = self.G(torch.randn(b, 100))
        self.D.zero_grad()
        loss_d = self.bce(self.D(real), ones) + self.bce(self.D(fake.detach()), zeros)
        loss_d.backward(); self.opt_d.step()
        self.G.zero_grad()
        loss_g = self.bce(self.D(fake), ones)
        loss_g.backward(); self.opt_g.step()

class Engine:
    "ganbook's Trainer driving the same architecture."
    def __init__(self, batch_size, images, channels_last=False):
        from ganbook.dcgan import DCGAN
        from ganbook.train import Trainer, TrainConfig
        torch.manual_seed(0)
        cfg = TrainConfig(epochs=1000, batch_size=batch_size, lr_g=2e-4, betas=(0.5, 0.999), ema=0.0, device='cpu',
                          log_every=10 ** 9, sample_every=0, checkpoint_every=0, channels_last=channels_last)
        self.tr = Trainer(DCGAN(), images, config=cfg, callbacks=[], progress=False)
        self.batches = None

    def step(self):
        if self.batches is None: self.batches = self.tr.data.batches(self.tr.epoch)
        try: x = next(self.batches)
        except StopIteration: self.tr.epoch += 1; self.batches = None; return self.step()
        self.tr.train_step(x, {}); self.tr.step += 1

def rate(obj, steps, batch_size, warmup=10) -> float:
    for _ in range(warmup): obj.step()
    t = time.perf_counter()
    for _ in range(steps): obj.step()
    return steps * batch_size / (time.perf_counter() - t)

def flops_per_sample(obj, batch_size) -> float:
    "FLOPs of one training step, counted by torch's FlopCounterMode, per sample."
    from torch.utils.flop_counter import FlopCounterMode
    obj.step()
    with FlopCounterMode(display=False) as fc: obj.step()
    return fc.get_total_flops() / batch_size

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--steps', type=int, default=150); ap.add_argument('--batch-size', type=int, default=64)
    ap.add_argument('--threads', type=int, default=2); ap.add_argument('--rounds', type=int, default=2)
    ap.add_argument('--profile', action='store_true', help='print the torch profiler table of both loops to stderr')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from ganbook.data import load_mnist, mnist_root
    images = load_mnist()[0]
    recipe, engine = Recipe(a.batch_size, str(mnist_root())), Engine(a.batch_size, images)
    if a.profile:
        from torch.profiler import profile, ProfilerActivity
        for name, obj in (('recipe', recipe), ('ganbook', engine)):
            for _ in range(5): obj.step()
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                for _ in range(20): obj.step()
            print(f'== {name}\n' + prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=18), file=sys.stderr)
    base, ours = [], []
    for _ in range(a.rounds):                       # interleaved, best of rounds for each
        base.append(rate(recipe, a.steps, a.batch_size)); ours.append(rate(engine, a.steps, a.batch_size))
    gflops = matmul_gflops()
    fps = flops_per_sample(recipe, a.batch_size)
    bound = gflops * 1e9 / fps
    b, o = max(base), max(ours)
    print(json.dumps({'baseline_sps': round(b, 1), 'ganbook_sps': round(o, 1), 'ratio': round(o / b, 3),
                      'flop_bound_sps': round(bound, 1), 'fraction_of_bound': round(o / bound, 3), 'threads': a.threads,
                      'batch_size': a.batch_size, 'matmul_gflops': round(gflops, 1), 'gflop_per_sample': round(fps / 1e9, 4),
                      'ganbook_gflop_per_sample': round(flops_per_sample(engine, a.batch_size) / 1e9, 4)}))

if __name__ == '__main__': main()
