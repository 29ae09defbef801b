#!/usr/bin/env python3
"""Distillation screen (issue 19, row 5): which lever brings a small student's FID to its teacher's?

One call distils one student from the shipped `dcgan-mnist` (by default the teacher pruned to 32x32
channels, the shipped student's shape) for --steps steps with chapter 6's optimiser (Adam 2e-3,
β1 0.5, cosine schedule, batch 64) and one lever, then scores it with chapter 5's FID on --n
samples against the test digits: as a multiple of the floor and of the teacher's FID at the same
n. Appends one JSON line to --log.
- bank: chapter 6's recipe, pixel L1 on a fixed bank of --bank (z, G_T(z)) pairs;
- fresh: pixel L1 on a fresh batch of z every step, the teacher run live (eval mode);
- adv: fresh, plus --adv-weight times the non-saturating generator loss of a small DCGAN
  discriminator of the student's own (width 8, trained on real training digits against the
  student's samples, Adam 2e-4, β1 0.5);
- dfeat: fresh, plus --feat-weight times the mean squared distance between the student's and the
  teacher's images in the features of the teacher's own trained D (eval mode, frozen), read from
  the run directory or checkpoint --teacher-run (a weights file holds G only).

  python tools/distill_screen.py --lever bank --steps 4000 --seed 0
  python tools/distill_screen.py --lever adv --adv-weight 0.05 --steps 4000 --seed 0
  python tools/distill_screen.py --lever dfeat --teacher-run runs/dcgan-ship --steps 4000
"""
import argparse, json, time
from pathlib import Path

import torch
import torch.nn.functional as F


def cached_json(path: Path, key: str, compute) -> float:
    "A number computed once and kept in a JSON file next to the log."
    known = json.loads(path.read_text()) if path.exists() else {}
    if key not in known:
        known[key] = compute()
        path.write_text(json.dumps(known))
    return known[key]


def teacher_discriminator(run, teacher):
    "The trained D of the teacher's run, frozen in eval mode (its G must be the shipped teacher's)."
    from ganbook.dcgan import DCGAN
    from ganbook.pretrained import start_from
    c = teacher.config
    gan = DCGAN(nz=c['nz'], width=c['width'], channels=c['channels'], codes=c.get('codes', 0))
    if start_from(gan, run) != ['G', 'D']: raise SystemExit(f"{run} holds no matching D")
    for p, q in zip(gan.G.state_dict().values(), teacher.state_dict().values()):
        if not torch.equal(p.half(), q.half()):            # the shipped file is float16
            raise SystemExit(f"{run}'s G is not the shipped teacher")
    return gan.D.eval().requires_grad_(False)


def fresh_distill(student, teacher, a, g):
    "Pixel L1 to the live teacher on fresh z each step (+ the `adv` or `dfeat` term)."
    from ganbook.data import load_mnist
    from ganbook.dcgan import Discriminator
    if a.lever == 'dfeat': D_t = teacher_discriminator(a.teacher_run, teacher)
    opt = torch.optim.Adam(student.parameters(), lr=2e-3, betas=(0.5, 0.999))   # as `distill`
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.steps)
    if a.lever == 'adv':
        real = load_mnist()[0]
        D = Discriminator(8, 1)
        opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    student.train()
    for _ in range(a.steps):
        z = torch.randn(64, teacher.config['nz'], generator=g)
        with torch.no_grad(): target = teacher(z)
        x = student(z)
        loss = (x - target).abs().mean()
        if a.lever == 'dfeat':
            with torch.no_grad(): f_t = D_t.features(target)
            loss = loss + a.feat_weight * (D_t.features(x) - f_t).pow(2).mean()
        if a.lever == 'adv':
            idx = torch.randint(len(real), (64,), generator=g)
            xr = real[idx, None].float() / 127.5 - 1
            loss_d = F.softplus(-D(xr)).mean() + F.softplus(D(x.detach())).mean()
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            loss = loss + a.adv_weight * F.softplus(-D(x)).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    student.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--lever', choices=('bank', 'fresh', 'adv', 'dfeat'), default='bank')
    ap.add_argument('--name', default=None, help='row name (default: the lever)')
    ap.add_argument('--steps', type=int, default=4000)
    ap.add_argument('--hidden', type=int, nargs=2, default=(32, 32), help='pruned channels')
    ap.add_argument('--bank', type=int, default=120000)
    ap.add_argument('--adv-weight', type=float, default=0.05)
    ap.add_argument('--feat-weight', type=float, default=1.0)
    ap.add_argument('--teacher-run', default=None, help="dfeat: the teacher's run or checkpoint")
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--n', type=int, default=5000)
    ap.add_argument('--log', default='runs/distill-screen/screen.jsonl')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from ganbook.distill import distill, prune_generator, teacher_bank
    from ganbook.metrics import evaluate, fid_floor
    from ganbook.pretrained import load
    log = Path(a.log)
    log.parent.mkdir(parents=True, exist_ok=True)
    cache = log.with_name('cache.json')
    floor = cached_json(cache, f'floor-{a.n}', lambda: fid_floor(a.n))
    teacher = load('dcgan-mnist').eval().requires_grad_(False)
    t_fid = cached_json(cache, f'teacher-{a.n}', lambda: evaluate(teacher, a.n, seed=0)['fid'])
    torch.manual_seed(a.seed)
    student = prune_generator(teacher, *a.hidden).train()
    g = torch.Generator().manual_seed(a.seed)
    if a.lever == 'bank':                       # chapter 6's own `distill`, on a cached bank
        from safetensors.torch import load_file, save_file
        path = log.with_name(f'bank-{a.bank}-seed{a.seed}.safetensors')   # made once, then read
        if not path.exists(): save_file(teacher_bank(teacher, a.bank, seed=a.seed), str(path))
        bank = load_file(str(path))
        t0 = time.process_time()                        # the bank is not the student's training
        distill(student, bank, a.steps, seed=a.seed, log_every=a.steps)
    else:
        t0 = time.process_time()
        fresh_distill(student, teacher, a, g)
    train_s = time.process_time() - t0
    student.eval()
    with torch.no_grad():
        zz = torch.randn(1000, teacher.config['nz'], generator=torch.Generator().manual_seed(123))
        pixel = float((student(zz) - teacher(zz)).abs().mean())
    fid = evaluate(student, a.n, seed=0)['fid']
    row = {'name': a.name or a.lever, 'lever': a.lever, 'seed': a.seed, 'steps': a.steps,
           'hidden': list(a.hidden), 'adv_weight': a.adv_weight if a.lever == 'adv' else None,
           'feat_weight': a.feat_weight if a.lever == 'dfeat' else None,
           'fid': round(fid, 4), 'x_floor': round(fid / floor, 2),
           'x_teacher': round(fid / t_fid, 3), 'teacher_fid': round(t_fid, 4),
           'pixel_fresh_z': round(pixel, 4), 'train_cpu_s': round(train_s, 1), 'n': a.n,
           'threads': a.threads}
    with open(log, 'a') as fh: fh.write(json.dumps(row) + '\n')
    print(json.dumps(row), flush=True)


if __name__ == '__main__': main()
