#!/usr/bin/env python3
"""Time-to-quality screen for `ganbook train dcgan`'s defaults: FID x floor against CPU seconds.

One call trains one setting (chapter 2's `default_config()` plus the overrides given) for one seed
and evaluates the EMA generator when the process has spent each budget of CPU time (--at, CPU
seconds of this process, so runs side by side on one thread each are compared fairly; the
evaluations' own CPU time counts too, so give settings you compare the same --at and --raw). FID is
chapter 5's, on --n samples against the test digits, as a multiple of the real-vs-real floor at the
same n. Appends one JSON line per budget to --log.

  python tools/ttq_screen.py --name base --seed 0
  python tools/ttq_screen.py --name b32 --seed 0 --set batch_size=32
  python tools/ttq_screen.py --name hinge-sn --seed 0 --gan loss=hinge spectral_norm=True
  python tools/ttq_screen.py --name infogan --seed 0 --model infogan --gan width=32
  python tools/ttq_screen.py --summary          # mean and spread per setting and budget
  python tools/ttq_screen.py --summary --names base codes10 --record   # ships ttq-screen
"""
import argparse, ast, json, statistics, time
from collections import defaultdict
from pathlib import Path

import torch


def parse_pairs(pairs) -> dict:
    "KEY=VALUE pairs with Python literals (1e-3, True, (0.5, 0.99)) or bare strings."
    out = {}
    for p in pairs or []:
        k, v = p.split('=', 1)
        try: out[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError): out[k] = v
    return out


def floor(n: int, cache: Path) -> float:
    "The real-vs-real FID at n, computed once and kept in a JSON file next to the log."
    from ganbook.metrics import fid_floor
    known = json.loads(cache.read_text()) if cache.exists() else {}
    if str(n) not in known:
        known[str(n)] = fid_floor(n)
        cache.write_text(json.dumps(known))
    return known[str(n)]


def run(a):
    "Train one setting for one seed; evaluate at each CPU-second budget."
    torch.set_num_threads(a.threads)
    from ganbook.data import load_mnist
    from ganbook.train import TRAINABLE, eval_mode, import_chapters
    import_chapters()
    model = TRAINABLE[a.model]
    from ganbook.metrics import evaluate
    from ganbook.train import Trainer
    log = Path(a.log)
    log.parent.mkdir(parents=True, exist_ok=True)
    fl = floor(a.n, log.with_name('floor.json'))
    overrides, gan_kw = parse_pairs(a.set), parse_pairs(a.gan)
    cfg = model.default_config(epochs=None, seed=a.seed, device='cpu', log_every=0, sample_every=0,
                         checkpoint_every=0, **overrides)
    torch.manual_seed(a.seed)
    tr = Trainer(model.gan(**gan_kw), load_mnist()[0], config=cfg, callbacks=[], progress=False)
    c0 = time.process_time()
    for budget in sorted(a.at):
        while time.process_time() - c0 < budget: tr.step_once()
        r = evaluate(tr.generator, a.n, seed=0, device='cpu')
        row = {'name': a.name, 'seed': a.seed, 'cpu_s': budget, 'steps': tr.step,
               'fid': round(r['fid'], 4), 'x_floor': round(r['fid'] / fl, 2),
               'precision': round(r['precision'], 3), 'recall': round(r['recall'], 3),
               'model': a.model, 'set': overrides, 'gan': gan_kw, 'threads': a.threads, 'n': a.n,
               'path': str(tr.amp_dtype or 'float32')}
        if a.raw:       # the raw G too (in eval mode), to see what the EMA buys at this budget
            with eval_mode(tr.gan.G):
                raw = evaluate(tr.gan.G, a.n, seed=0, device='cpu')['fid']
            row['raw_x_floor'] = round(raw / fl, 2)
        with open(log, 'a') as fh: fh.write(json.dumps(row) + '\n')
        print(json.dumps(row), flush=True)


KEEP = ('name', 'seed', 'cpu_s', 'steps', 'fid', 'x_floor', 'precision', 'recall', 'model', 'set',
        'gan', 'threads', 'n', 'path')

def summary(a):
    "Mean and spread of FID x floor per setting and budget; --record ships the rows."
    rows, log = defaultdict(list), []
    for line in Path(a.log).read_text().splitlines():
        r = json.loads(line)
        if a.names and r['name'] not in a.names: continue
        rows[(r['name'], r['cpu_s'])].append(r)
        log.append({k: r.get(k) for k in KEEP})
    print(f"{'setting':22s} {'cpu_s':>6s} {'seeds':>5s} {'mean':>7s} {'min':>7s} {'max':>7s}"
          f" {'steps':>6s}")
    for (name, budget), rs in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        x = [r['x_floor'] for r in rs]
        steps = statistics.mean(r['steps'] for r in rs)
        print(f"{name:22s} {budget:6.0f} {len(x):5d} {statistics.mean(x):7.1f} {min(x):7.1f}"
              f" {max(x):7.1f} {steps:6.0f}")
    if a.record:
        from ganbook.pretrained import save_record
        command = f"python tools/ttq_screen.py --summary --log {a.log}"
        if a.names: command += ' --names ' + ' '.join(a.names)
        data = {'rows': log, 'command': command + ' --record',
                'how': 'one process per setting and seed, one thread each, two side by side; '
                       'budgets in CPU seconds of the whole process, so its earlier evaluations '
                       'count too (runs with more points, or --raw, train fewer steps); FID of '
                       'the EMA generator on n samples against the test digits, as a multiple '
                       'of the floor at that n',
                'torch': torch.__version__, 'date': time.strftime('%Y-%m-%d')}
        print('wrote', save_record('ttq-screen', data).name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--name', default='base')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--at', type=float, nargs='+', default=[60, 300], help='CPU-second budgets')
    ap.add_argument('--set', nargs='*', help='TrainConfig overrides, KEY=VALUE')
    ap.add_argument('--model', default='dcgan', help="a `ganbook train` model: dcgan, infogan, ...")
    ap.add_argument('--gan', nargs='*', help="the model's keyword arguments, KEY=VALUE")
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--n', type=int, default=5000)
    ap.add_argument('--log', default='runs/ttq/screen.jsonl')
    ap.add_argument('--raw', action='store_true', help='also evaluate the raw (not EMA) G')
    ap.add_argument('--summary', action='store_true')
    ap.add_argument('--names', nargs='*', help='with --summary: only these settings')
    ap.add_argument('--record', action='store_true',
                    help='with --summary: ship the rows as the record ttq-screen (chapter 2)')
    a = ap.parse_args()
    summary(a) if a.summary else run(a)


if __name__ == '__main__': main()
