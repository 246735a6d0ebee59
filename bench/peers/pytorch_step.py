"""PyTorch as a peer of bench/vae-step.ts: one VAE training step, driven over JSON lines.

Usage: python3 pytorch_step.py THREADS BATCH_FILE

BATCH_FILE holds the input batch, 128*784 little-endian float32 values (the TypeScript driver
writes it from our seeded Generator). Commands arrive one JSON object a line on stdin, and each
gets one JSON object a line on stdout:

  {"cmd": "steps", "n": N}     -> {"seconds": s, "loss": l}   N training steps, timed here
  {"cmd": "matmul", "n": N}    -> {"seconds": s}              N products [128,784]@[784,400]
  {"cmd": "quit"}              -> (exits)

The first line out, before any command, describes the setup:
  {"ready": true, "torch": "...", "threads": n, "blas": ["...libopenblas..."]}
or, when torch cannot be imported: {"ready": false, "error": "..."}.

The model is the canonical MNIST VAE (784-400-20-400-784, ReLU), Bernoulli likelihood
(BCE with logits) + closed-form KL, mean over the batch; Adam with lr 1e-3.
"""

import json
import sys
import time

BATCH, INPUT, HIDDEN, LATENT = 128, 784, 400, 20


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def loaded_blas():
    """The BLAS/LAPACK shared libraries mapped into this process (which one torch really calls)."""
    found = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "blas" in path or "lapack" in path:
                    found.add(path)
    except OSError:
        pass
    return sorted(found)


def main():
    threads = int(sys.argv[1])
    batch_file = sys.argv[2]
    try:
        import torch
        import torch.nn.functional as F
    except Exception as error:  # noqa: BLE001 - any failure to import means "skipped"
        send({"ready": False, "error": f"{type(error).__name__}: {error}"})
        return

    torch.set_num_threads(threads)
    torch.manual_seed(0)

    class VAE(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = torch.nn.Linear(INPUT, HIDDEN)
            self.mu = torch.nn.Linear(HIDDEN, LATENT)
            self.log_var = torch.nn.Linear(HIDDEN, LATENT)
            self.dec = torch.nn.Linear(LATENT, HIDDEN)
            self.out = torch.nn.Linear(HIDDEN, INPUT)

        def loss(self, x):
            h = F.relu(self.enc(x))
            mu, log_var = self.mu(h), self.log_var(h)
            z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
            logits = self.out(F.relu(self.dec(z)))
            reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
            kl = 0.5 * torch.sum(mu.pow(2) + log_var.exp() - log_var - 1)
            return (reconstruction + kl) / x.shape[0]

    with open(batch_file, "rb") as f:
        raw = f.read()
    if len(raw) != BATCH * INPUT * 4:
        send({"ready": False, "error": f"batch file has {len(raw)} bytes, expected {BATCH * INPUT * 4}"})
        return
    x = torch.frombuffer(bytearray(raw), dtype=torch.float32).reshape(BATCH, INPUT)

    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    a = torch.randn(BATCH, INPUT)
    b = torch.randn(INPUT, HIDDEN)
    c = torch.empty(BATCH, HIDDEN)
    last_loss = float("nan")

    # One step and one product before "ready", so that the BLAS is loaded when it is reported.
    def steps(n):
        nonlocal last_loss
        loss = None
        for _ in range(n):
            # NOTE: in place, as our step (trainEpoch's zeroGrad({ setToNone: false })): each side
            # at its best. Torch 1.13 here, in-process A/B of 30 ABBA blocks of 40 steps
            # (2026-12-04): set_to_none=True 7.30 ms a step on 1 thread, 5.22 on 2; False 6.01, 3.97.
            optimizer.zero_grad(set_to_none=False)
            loss = model.loss(x)
            loss.backward()
            optimizer.step()
        if loss is not None:
            last_loss = loss.item()

    steps(1)
    torch.mm(a, b, out=c)
    send({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": loaded_blas()})

    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        if command["cmd"] == "steps":
            start = time.perf_counter()
            steps(int(command["n"]))
            send({"seconds": time.perf_counter() - start, "loss": last_loss})
        elif command["cmd"] == "matmul":
            start = time.perf_counter()
            for _ in range(int(command["n"])):
                torch.mm(a, b, out=c)
            send({"seconds": time.perf_counter() - start})
        elif command["cmd"] == "quit":
            return
        else:
            send({"error": f"unknown command {command['cmd']!r}"})


if __name__ == "__main__":
    main()
