#!/usr/bin/env python3
"""Measure `ganbook bench` once and ship the result as the record `bench-throughput`, which the
command-line chapter quotes. Run it on a quiet machine (nothing else using the CPU).
Usage: python tools/record_bench.py [--steps 150] [--rounds 3] [--threads 2] [--dry-run]"""
import argparse, json, os, platform, subprocess, sys, time
import torch
from ganbook.pretrained import save_record

def main():
    "Run `ganbook bench --json` in a fresh process and save its numbers with how they were made."
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--steps', type=int, default=150)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--dry-run', action='store_true', help='print the record, write nothing')
    a = ap.parse_args()
    args = ['bench', '--steps', str(a.steps), '--rounds', str(a.rounds),
            '--threads', str(a.threads), '--json']
    t = time.time()
    r = subprocess.run([sys.executable, '-m', 'ganbook.cli', *args], capture_output=True,
                       text=True, check=True)
    data = json.loads(r.stdout.strip().splitlines()[-1])
    data.update(command='ganbook ' + ' '.join(args), wall_time_s=round(time.time() - t, 1),
                machine=f"{platform.machine()} CPU, {os.cpu_count()} cores, "
                        f"{data['threads']} torch threads, nothing else running",
                torch=torch.__version__, date=time.strftime('%Y-%m-%d'))
    print(json.dumps(data, indent=1))
    if not a.dry_run: print('wrote', save_record('bench-throughput', data).name)

if __name__ == '__main__': main()
