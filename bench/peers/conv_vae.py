"""The conv VAE of elbo's `--arch conv` (src/vae/architecture.ts) as a torch module with the same
attribute names, so that its state_dict keys and shapes are those of an elbo checkpoint:

    features:  [N, 784] -> [N, 1, 28, 28] -> Conv2d(1, 32, 3, s2, p1) ReLU -> Conv2d(32, 64, 3, s2, p1) ReLU -> [N, 3136]
    encoder:   Linear(3136, 16) ReLU;  meanHead, logVarHead: Linear(16, latent)
    decoder:   Linear(latent, 3136) ReLU -> [N, 64, 7, 7] -> ConvTranspose2d(64, 64, 3, s2, p1, op1) ReLU
               -> ConvTranspose2d(64, 32, 3, s2, p1, op1) ReLU
    outputLayer: ConvTranspose2d(32, 1, 3, s1, p1) -> logits [N, 784]

`python3 bench/peers/conv_vae.py` prints the state_dict as JSON {name: shape} (latent 20).
"""
import json
import sys

import torch
from torch import nn


class ConvVAE(nn.Module):
    def __init__(self, latent=20, hidden=16):
        super().__init__()
        self.features = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(),
        )
        self.encoder = nn.Sequential(nn.Linear(64 * 7 * 7, hidden), nn.ReLU())
        self.meanHead = nn.Linear(hidden, latent)
        self.logVarHead = nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(
            nn.Linear(latent, 64 * 7 * 7), nn.ReLU(),
            nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        )
        self.outputLayer = nn.ConvTranspose2d(32, 1, 3, stride=1, padding=1)

    def encode(self, x):
        h = self.encoder(self.features(x))
        return self.meanHead(h), self.logVarHead(h)

    def decode_logits(self, z):
        return self.outputLayer(self.decoder(z)).flatten(1)


if __name__ == "__main__":
    json.dump({name: list(t.shape) for name, t in ConvVAE().state_dict().items()}, sys.stdout)
    print()
