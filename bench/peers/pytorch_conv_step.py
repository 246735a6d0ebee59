"""PyTorch side of bench/conv-step.ts: `python3 bench/peers/pytorch_conv_step.py THREADS REPEATS`.
One training step of conv_vae.ConvVAE (latent 20) on a fixed [128, 784] batch in [0, 1): the
loss is BCE-with-logits summed over pixels + the closed-form KL, averaged over the batch (as
ours), then Adam(lr 1e-3). Prints one JSON line {"name", "seconds": [...], "loss"}."""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conv_vae import ConvVAE  # noqa: E402

threads, repeats = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = ConvVAE(latent=20)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.rand(128, 784)


def step():
    optimizer.zero_grad()
    mu, logvar = model.encode(x)
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    logits = model.decode_logits(z)
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    loss = (rec + kl) / x.shape[0]
    loss.backward()
    optimizer.step()
    return loss.item()


for _ in range(3):
    step()
seconds = []
loss = float("nan")
for _ in range(repeats):
    start = time.perf_counter()
    loss = step()
    seconds.append(time.perf_counter() - start)
print(json.dumps({"name": f"PyTorch {torch.__version__} ({torch.get_num_threads()} thread{'s' if threads > 1 else ''})", "seconds": seconds, "loss": loss}))
