#!/usr/bin/env bash
# Trains the shipped DCGAN weights on a lent GPU machine (the device tool); see the training
# record in ganbook/weights/dcgan-mnist.json (its rates and code weight, named). Writes weights
# and logs to $OUT.
set -uo pipefail
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 OMP_NUM_THREADS=4
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 tools/cuda_check.py 2>&1 | tee $OUT/cuda_check.log || exit 1
EPOCHS=${EPOCHS:-40}
# two candidates trained side by side on the one GPU; the shipped one is chosen by FID on CPU later
timeout ${TRAIN_TIMEOUT:-330} python3 -m ganbook.cli train dcgan --epochs $EPOCHS --width 64 --lr 2e-3 --lr-d 4e-4 --lambda-code 1 --device cuda --out runs/dcgan-w64 --quiet > $OUT/train_w64.log 2>&1 &
timeout ${TRAIN_TIMEOUT:-330} python3 -m ganbook.cli train dcgan --epochs $EPOCHS --width 96 --lr 2e-3 --lr-d 4e-4 --lambda-code 1 --device cuda --out runs/dcgan-w96 --quiet > $OUT/train_w96.log 2>&1 &
wait
for w in w64 w96; do
  python3 -m ganbook.cli export runs/dcgan-$w $OUT/dcgan-$w >> $OUT/train_$w.log 2>&1
done
ls -la $OUT; tail -3 $OUT/train_*.log
