#!/usr/bin/env python3
"""Apply chapter 4's seed rule to an InfoGAN screen's runs and (with --ship) ship the winner.

Reads `runs/infogan-screen-sS/probes.jsonl` of each seed (written by
tools/infogan_seed_screen.py), picks the seed with chapter 4's `screen_choice`, and builds its
training record with the chapter's own `ship_record` (Q's test accuracy, computed here once, and
G's code accuracy on 10,000 samples), so the record is made by one piece of code whether the
chapter retrains or a screen is shipped. The chapter's folded retrain cell is executed from
nbs/05_infogan.ipynb for that. The wall time is the sum, over the winner's processes, of the last
probe's clock. Without --ship it prints the choice and the record's numbers and writes nothing.
Usage: python tools/ship_infogan_screen.py --seeds 1 2 3 4 [--runs runs] [--ship]
"""
import argparse, json, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parent.parent
CELL = '#| code-fold: true\nimport json, os, platform'      # chapter 4's retrain cell

def chapter_code() -> dict:
    "The names that chapter 4's retrain cell defines (ship_record, screen_choice, ...)."
    nb = nbformat.read(ROOT / 'nbs' / '05_infogan.ipynb', as_version=4)
    ns = {}
    exec('from pathlib import Path\nimport torch\nfrom ganbook.data import load_mnist\n'
         'from ganbook.infogan import *\n', ns)
    exec(next(c.source for c in nb.cells if c.source.startswith(CELL)), ns)
    return ns

def read_probes(run: Path) -> tuple[dict, int]:
    "A run's probes {step: {q_val, code_acc}} (the last of repeats) and its summed wall time."
    probes, wall, last_t = {}, 0, 0
    for line in (run / 'probes.jsonl').read_text().splitlines():
        p = json.loads(line)
        if p['t'] < last_t: wall += last_t                  # a new process: its clock restarts
        last_t = p['t']
        probes[str(p['step'])] = {'q_val': p['q_val'], 'code_acc': p['code_acc']}
    return probes, wall + last_t

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seeds', type=int, nargs='+', required=True)
    ap.add_argument('--runs', default='runs', help='folder holding infogan-screen-sS/')
    ap.add_argument('--ship', action='store_true', help='write ganbook/weights/infogan-mnist')
    a = ap.parse_args()
    runs = {s: Path(a.runs) / f'infogan-screen-s{s}' for s in a.seeds}
    missing = [str(r) for r in runs.values() if not (r / 'probes.jsonl').is_file()]
    if missing:
        print(f"no probes.jsonl in {', '.join(missing)}", file=sys.stderr)
        sys.exit(2)
    ns = chapter_code()
    read = {str(s): read_probes(r) for s, r in runs.items()}
    screen = {s: probes for s, (probes, _) in read.items()}
    seed = ns['screen_choice'](screen)
    run, wall = runs[int(seed)], read[seed][1]
    command = (f"tools/infogan_seed_screen.py for seeds {' '.join(map(str, a.seeds))} (see its "
               f"docstring), then python tools/ship_infogan_screen.py --seeds "
               f"{' '.join(map(str, a.seeds))} --ship: seed {seed} by chapter 4's screen_choice")
    rec = ns['ship_record'](run, screen, command, wall)
    print(json.dumps({k: rec[k] for k in ('seed', 'steps', 'epochs', 'wall_time_s',
                                          'code_accuracy', 'q_test_accuracy')}))
    if a.ship:
        out = ns['save_weights'](ns['load'](run), ns['weights_dir']() / 'infogan-mnist', rec,
                                 ns['read_rows'](run / 'metrics.jsonl'))
        print('wrote', out)

if __name__ == '__main__': main()
