#!/usr/bin/env python3
"""CUDA path check for the engine, run on a lent GPU machine (no test needs a GPU).

Prints one JSON line with what was checked and the measured step time, which the GPU
training script uses to size its runs. Usage: PYTHONPATH=. python tools/cuda_check.py
"""
import json, tempfile, time
from pathlib import Path
import torch
from ganbook.data import load_mnist, BatchIterator
from ganbook.train import get_device, Trainer, TrainConfig
from ganbook.dcgan import DCGAN
from ganbook.pretrained import load

assert torch.cuda.is_available(), 'no CUDA device'
dev = get_device('auto'); assert dev.type == 'cuda', dev
x, y = load_mnist()
it = BatchIterator(x, y, batch_size=256, device=dev)
xb, yb = next(iter(it)); assert xb.is_cuda and xb.min() == -1 and xb.max() == 1
res = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__}
with tempfile.TemporaryDirectory() as d:
    for amp in (False, True):
        torch.manual_seed(0)
        config = TrainConfig(epochs=1, batch_size=64, device='cuda', amp=amp, ema=0.999,
                             sample_every=100, checkpoint_every=100, log_every=20)
        tr = Trainer(DCGAN(), x[:12800], config=config, out=Path(d) / f'amp{amp}', progress=False)
        torch.cuda.synchronize(); t0 = time.perf_counter(); tr.fit(); torch.cuda.synchronize()
        res[f'step_ms_amp_{amp}'] = round(1000 * (time.perf_counter() - t0) / tr.step, 2)
        assert all(torch.isfinite(torch.tensor([h['loss_d'], h['loss_g']])).all()
                   for h in tr.history)
        s = tr.generator.sample(300, seed=1, batch_size=128)
        assert s.device.type == 'cpu' and s.shape == (300, 1, 28, 28)
        assert s.min() >= -1 and s.max() <= 1
        again = tr.generator.sample(300, seed=1, batch_size=128)
        res[f"same_seed_same_samples_amp_{amp}"] = torch.equal(s, again)
        # resume on CUDA continues from the saved step
        torch.manual_seed(0)
        config = TrainConfig(epochs=1.5, batch_size=64, device='cuda', amp=amp, ema=0.999,
                             sample_every=0, checkpoint_every=0)
        tr2 = Trainer(DCGAN(), x[:12800], config=config, out=Path(d) / f'amp{amp}',
                      progress=False).load_checkpoint()
        assert tr2.step == 200; tr2.fit(); assert tr2.step == 300
        G, Gc = (load(Path(d) / f'amp{amp}', device=device) for device in ('cuda', 'cpu'))
        diff = (G.sample(64, seed=3) - Gc.sample(64, seed=3)).abs().max().item()
        res[f"cuda_vs_cpu_sample_maxdiff_amp_{amp}"] = round(diff, 5)
res['ok'] = True
print(json.dumps(res))
