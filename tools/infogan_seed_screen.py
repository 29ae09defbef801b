#!/usr/bin/env python3
"""Train one InfoGAN seed as `ganbook train infogan` does; print the code's progress every K steps.

Each probe prints one JSON line: the categorical-code accuracy of G_ema (chapter 5's
`code_accuracy`, 200 samples per code, seed 1), Q's Hungarian-matched accuracy on the first 2,000
MNIST test digits, the code→digit mapping and the confusion matrix, and keeps a copy of the
checkpoint (`ckpt_STEP.safetensors`). The probe's first call loads chapter 5's classifier, and
building a module draws from the global random generator, so from the first probe on the run is
not the plain `ganbook train infogan` run of the same seed (identical up to that step, checked);
this script with the same --every reproduces it. Chapter 4 shipped seed 1 of this screen:

    OMP_NUM_THREADS=1 python tools/infogan_seed_screen.py --seed 1 --steps 20000 --width 32 \\
        --every 2000
    ganbook export runs/infogan-screen-s1 ganbook/weights/infogan-mnist --force --note '{...}'

(the export went into the shipped weights; `--force` is what allows that).
"""
import argparse, json, time
from pathlib import Path
from ganbook import infogan
from ganbook.data import load_mnist
from ganbook.metrics import code_accuracy
from ganbook.train import Callback, Checkpointer, MetricsLogger

class CodeProbe(Callback):
    """Every `every` steps: code accuracy of the generator, Q's accuracy on real test digits, and a
    checkpoint copy."""
    def __init__(self, every: int, out: Path, n_test: int = 2000):
        x, y = load_mnist(train=False)
        self.x, self.y = x[:n_test].float().div(127.5).sub(1).unsqueeze(1), y[:n_test]
        self.every, self.out, self.t0 = every, out, time.perf_counter()
    def on_step_end(self, trainer, logs):
        if trainer.step % self.every: return
        match = code_accuracy(trainer.generator, n_per_code=200, seed=1)
        q_acc, _ = infogan.matched_accuracy(trainer.gan.D.predict_category(self.x), self.y)
        print(json.dumps(dict(step=trainer.step, t=round(time.perf_counter() - self.t0),
                              code_acc=round(match.accuracy, 4), q_acc=round(q_acc, 4),
                              mapping=match.mapping, conf=match.confusion.tolist())), flush=True)
        trainer.save_checkpoint(self.out / f'ckpt_{trainer.step:06d}.safetensors')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--steps', type=int, default=20000)
    p.add_argument('--width', type=int, default=32)
    p.add_argument('--every', type=int, default=2000)
    p.add_argument('--lambda-cat', type=float, default=1.0,
                   help="weight of the categorical code's information term")
    p.add_argument('--lambda-cont', type=float, default=0.1,
                   help="weight of the continuous codes' information term")
    p.add_argument('--out', default=None)
    a = p.parse_args()
    out = Path(a.out or f'runs/infogan-screen-s{a.seed}')
    cfg = infogan.default_config(epochs=None, max_steps=a.steps, seed=a.seed, device='cpu',
                                 checkpoint_every=1000)
    infogan.train(cfg, out=out, width=a.width, lambda_cat=a.lambda_cat, lambda_cont=a.lambda_cont,
                  resume=True, progress=False,
                  callbacks=[MetricsLogger(), Checkpointer(), CodeProbe(a.every, out)])
