#!/usr/bin/env python3
"""Train one InfoGAN seed on MNIST's training digits less a validation split; probe every K steps.

The last `--val` training digits (5,000 by default) are held out: the run never sees them, and
their labels serve only to choose a seed. Each probe prints one JSON line, and appends it to
`OUT/probes.jsonl`: Q's Hungarian-matched accuracy on that validation split (`q_val`), the
categorical-code accuracy of G_ema (chapter 5's `code_accuracy`, 200 samples per code, seed 1),
and `t`, seconds since this process started; it also keeps a copy of the checkpoint
(`ckpt_STEP.safetensors`). No test digit is read here. The screen behind chapter 4's shipped
weights (its rule is `screen_choice` in nbs/05_infogan.ipynb):

    for s in 1 2 3 4; do OMP_NUM_THREADS=1 python tools/infogan_seed_screen.py --seed $s \\
        --steps 6000; done                      # two at a time, one per core
    # the two seeds with the highest q_val at step 6,000 go on (this resumes each run):
    OMP_NUM_THREADS=1 python tools/infogan_seed_screen.py --seed S --steps 20000
    python tools/ship_infogan_screen.py --seeds 1 2 3 4 [--ship]

The probe's first call in a process loads chapter 5's classifier, and building a module draws
from the global random generator, so the run is not the plain `ganbook train infogan` run of the
same seed, and a resumed run need not match an uninterrupted one; the same commands in the same
order, on the same machine and thread count, reproduce it.
"""
import argparse, json, time
from pathlib import Path
from ganbook import infogan
from ganbook.data import load_mnist
from ganbook.metrics import code_accuracy
from ganbook.train import Callback, Checkpointer, MetricsLogger

def split_training_digits(n_val: int):
    "MNIST's training digits as (train images, validation images, validation labels)."
    x, y = load_mnist(train=True)
    if not 0 < n_val < len(x): raise SystemExit(f"--val must be in 1..{len(x) - 1}, got {n_val}")
    return x[:-n_val], x[-n_val:], y[-n_val:]

class CodeProbe(Callback):
    "Every `every` steps: Q's accuracy on the validation digits, G's code accuracy, a checkpoint."
    def __init__(self, every: int, out: Path, x_val, y_val):
        self.x, self.y = x_val.float().div(127.5).sub(1).unsqueeze(1), y_val
        self.every, self.out, self.t0 = every, out, time.perf_counter()
    def on_step_end(self, trainer, logs):
        if trainer.step % self.every: return
        match = code_accuracy(trainer.generator, n_per_code=200, seed=1)
        q_val, mapping = infogan.matched_accuracy(trainer.gan.D.predict_category(self.x), self.y)
        line = json.dumps(dict(step=trainer.step, t=round(time.perf_counter() - self.t0),
                               q_val=round(q_val, 4), code_acc=round(match.accuracy, 4),
                               q_mapping=mapping))
        print(line, flush=True)
        with open(self.out / 'probes.jsonl', 'a') as f: f.write(line + '\n')
        trainer.save_checkpoint(self.out / f'ckpt_{trainer.step:06d}.safetensors')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--steps', type=int, default=20000)
    p.add_argument('--width', type=int, default=32)
    p.add_argument('--every', type=int, default=2000)
    p.add_argument('--val', type=int, default=5000,
                   help='training digits held out (the last ones) to choose the seed on')
    p.add_argument('--lambda-cat', type=float, default=1.0,
                   help="weight of the categorical code's information term")
    p.add_argument('--lambda-cont', type=float, default=0.1,
                   help="weight of the continuous codes' information term")
    p.add_argument('--out', default=None)
    a = p.parse_args()
    out = Path(a.out or f'runs/infogan-screen-s{a.seed}')
    x_train, x_val, y_val = split_training_digits(a.val)
    cfg = infogan.default_config(epochs=None, max_steps=a.steps, seed=a.seed, device='cpu',
                                 checkpoint_every=1000)
    infogan.train(cfg, out=out, width=a.width, images=x_train, lambda_cat=a.lambda_cat,
                  lambda_cont=a.lambda_cont, resume=True, progress=False,
                  callbacks=[MetricsLogger(), Checkpointer(),
                             CodeProbe(a.every, out, x_val, y_val)])
