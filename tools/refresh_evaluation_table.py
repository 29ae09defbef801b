#!/usr/bin/env python3
"""Recompute the rows of chapter 5's `evaluation-table` record for shipped generators that changed.

The record holds ten rows of `evaluate(..., n=10000, seed=0)` and the SHA-256 of each shipped
generator it scored. When one shipped generator is retrained, its row is stale and the chapter
says so. This recomputes only the named generators' rows, exactly as the chapter's RETRAIN cell
does (same `evaluate` call, same classifier, which must be the one the record names), and adds
what it did to the record's `recomputed` list. Rerunning the whole chapter with RETRAIN = True
would also retrain the classifier.
Naming `dcgan-mnist` also recomputes that model's curves in the record `evaluation-fid-vs-n`
(its n x seed grid, as the chapter's RETRAIN cell computes it); the floor's curves stay.
Usage: python tools/refresh_evaluation_table.py infogan-mnist [...]
"""
import os, platform, sys, time
import torch
from ganbook.metrics import evaluate, load_classifier, sha256_file
from ganbook.pretrained import load, load_record, save_record, weights_dir

ROWS = {'dcgan-mnist': 'DCGAN, shipped (chapter 2)', 'cgan-mnist': 'cGAN, shipped (chapter 3)',
        'infogan-mnist': 'InfoGAN, shipped (chapter 4)',
        'dcgan-mnist-student': 'DCGAN student, shipped (chapter 6)'}

def main(names):
    bad = [n for n in names if n not in ROWS]
    if not names or bad:
        print(f"usage: {sys.argv[0]} NAME [...], NAME one of {', '.join(ROWS)}", file=sys.stderr)
        sys.exit(2)
    rec, _ = load_record('evaluation-table')
    if load_classifier().weights_sha256 != rec['classifier_sha256']:
        sys.exit("the shipped classifier is not the one the record was computed with")
    load0 = (f"{torch.get_num_threads()} torch thread(s) on a {os.cpu_count()}-core "
             f"{platform.machine()} machine, 1-minute load average {os.getloadavg()[0]:.1f}")
    t0 = time.time()
    for name in names:
        row = ROWS[name]
        rec['rows'][row] = evaluate(load(name), rec['n'], seed=rec['seed'])
        rec['generators'][row] = sha256_file(weights_dir() / f'{name}.safetensors')[:12]
        print(f"{row}: FID {rec['rows'][row]['fid']:.4f}", flush=True)
    rec.setdefault('recomputed', []).append(dict(
        rows=[ROWS[n] for n in names], wall_time_s=round(time.time() - t0, 1), machine=load0,
        torch=torch.__version__,
        command='python tools/refresh_evaluation_table.py ' + ' '.join(names)))
    save_record('evaluation-table', rec)
    if 'dcgan-mnist' in names: refresh_fid_vs_n(load0)

def refresh_fid_vs_n(load0: str):
    "Recompute the shipped DCGAN's FID/KID/precision/recall at every (seed, n) of the record."
    rec, _ = load_record('evaluation-fid-vs-n')
    if load_classifier().weights_sha256 != rec['classifier_sha256']:
        sys.exit("the shipped classifier is not the one evaluation-fid-vs-n was computed with")
    t0, G = time.time(), load('dcgan-mnist')
    runs = [[evaluate(G, n, seed=s) for n in rec['ns']] for s in rec['seeds']]
    rec['curves'][ROWS['dcgan-mnist']] = {
        k: [[r[k] for r in run] for run in runs]
        for k in ('fid', 'kid_mean', 'kid_std', 'precision', 'recall')}
    rec['generator_sha256'] = sha256_file(weights_dir() / 'dcgan-mnist.safetensors')[:12]
    rec.setdefault('recomputed', []).append(dict(
        curves=[ROWS['dcgan-mnist']], wall_time_s=round(time.time() - t0, 1), machine=load0,
        torch=torch.__version__, command='python tools/refresh_evaluation_table.py dcgan-mnist'))
    print(f"{ROWS['dcgan-mnist']}: FID at n = {rec['ns'][-1]:,} over seeds "
          f"{[round(run[-1]['fid'], 4) for run in runs]}", flush=True)
    save_record('evaluation-fid-vs-n', rec)

if __name__ == '__main__':
    main(sys.argv[1:])
