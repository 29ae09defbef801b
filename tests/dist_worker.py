"""Launched by tests/test_distributed.py under torchrun: trains a tiny DCGAN for 12 steps, then
dumps each rank's state."""
import json, sys
from pathlib import Path
import torch
import torch.distributed as dist
from safetensors.torch import save_file
from ganbook.data import load_mnist
from ganbook.dcgan import DCGAN
from ganbook.train import Trainer, TrainConfig

out = Path(sys.argv[1])
dist.init_process_group('gloo')
rank = dist.get_rank()
torch.manual_seed(100 + rank)   # deliberately different init: the trainer must broadcast rank 0's
images = load_mnist()[0][:2048]
cfg = TrainConfig(max_steps=12, batch_size=32, device='cpu', log_every=2, sample_every=4,
                  checkpoint_every=4, seed=5)
tr = Trainer(DCGAN(width=8), images, config=cfg, out=out / 'run', progress=False)
first = next(tr.data.batches(0))
noise = tr.gan.G.latent(2, device='cpu')['z']
tr.fit()
save_file({k: v.contiguous() for k, v in tr.gan.state_dict().items()},
          str(out / f'rank{rank}.safetensors'))
info = {'first_batch': float(first.sum()), 'noise': noise[0, :4].tolist()}
(out / f'rank{rank}.json').write_text(json.dumps(info))
dist.destroy_process_group()
