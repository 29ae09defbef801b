"""Chapter 7's gallery of failures: short runs that fail in the ways the chapter names.

    python tools/stabilise_gallery.py run NAME [NAME ...]   # these entries of FAILURES
    python tools/stabilise_gallery.py all                    # every entry, in turn
    python tools/stabilise_gallery.py collect [--ship]       # the record `stabilise-gallery`

Runs go to runs/stabilise-gallery/NAME/ (spaces become dashes), one thread each, with the
steps of their FAILURES entry; each prints what `diagnose` finds. `collect --ship` writes the
record chapter 7 loads (curves, samples, coverage, findings under today's rules).
"""
import argparse, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / 'runs' / 'stabilise-gallery'

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run')
    r.add_argument('names', nargs='+')
    sub.add_parser('all')
    c = sub.add_parser('collect')
    c.add_argument('--ship', action='store_true')
    a = p.parse_args()
    import torch
    torch.set_num_threads(1)
    from ganbook.pretrained import save_record
    from ganbook.stabilise import FAILURES, gallery_record, gallery_run
    if a.cmd in ('run', 'all'):
        for name in (a.names if a.cmd == 'run' else FAILURES):
            if name not in FAILURES:
                sys.exit(f"unknown entry {name!r}; choose from {list(FAILURES)}")
            out = RUNS / name.replace(' ', '-')
            out.mkdir(parents=True, exist_ok=True)
            for f in out.glob('*'):
                if f.is_file(): f.unlink()
            print(json.dumps(gallery_run(name, out)), flush=True)
    else:
        data, tensors = gallery_record(RUNS)
        for e in data['entries']:
            print(e['name'], e['steps'], [f['name'] for f in e['findings']])
        data['command'] = ('python tools/stabilise_gallery.py all && '
                           'python tools/stabilise_gallery.py collect --ship')
        if a.ship: print(save_record('stabilise-gallery', data, tensors))
