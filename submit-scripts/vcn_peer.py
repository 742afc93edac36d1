#!/usr/bin/env python3
"""The PyTorch equivalent of one vcaps VCN configuration's layers, timed as `vcaps bench model` times vcaps.

../shared/bench/peer/capsnet_peer.py is CapsNet on MNIST; it has no model of vcaps' size at 64x64x3. This file
builds, in plain PyTorch, the same encoder, generator and discriminator that core's `Networks` builds for a
configuration (docs/MODEL.md) and times the same training step (`TrainingStep.fit`: D on L_D with the fakes
detached, then E and G together on L_margin + alpha L_rec + beta L_adv with D held fixed, two Adams, the heads at
ten times E's rate) or inference (E forward, KL per capsule), on random images with `--present` entities per
image. Defaults are conf/attributes-example.conf's (64x64x3, 40 entities). It prints one JSON line in the peer's
format (`img_per_s_median`, `peak_rss_mib`, `params`), so submit-scripts/bench-model compares the two as it
compares the MNIST cases.
"""
import argparse
import json
import resource
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def squash(s, dim=-1, eps=1e-8):
    n2 = (s * s).sum(dim=dim, keepdim=True)
    return s * (n2 / (1.0 + n2) / torch.sqrt(n2 + eps))


class Encoder(nn.Module):
    """conv1 (ReLU) -> primary capsules (squash) -> routing by agreement -> variational heads (mu, logvar)."""

    def __init__(self, a, side):
        super().__init__()
        self.k, self.caps_dim, self.latent, self.iters = a.entities, a.caps_dim, a.latent_dim, a.routings
        self.p_channels, self.p_dim = a.primary_channels, a.primary_dim
        self.conv1 = nn.Conv2d(a.channels, a.conv1_filters, a.conv1_kernel)
        h1 = side - a.conv1_kernel + 1
        self.primary = nn.Conv2d(a.conv1_filters, a.primary_channels * a.primary_dim, a.primary_kernel,
                                 a.primary_stride)
        h2 = (h1 - a.primary_kernel) // a.primary_stride + 1
        self.children_n = a.primary_channels * h2 * h2
        self.W = nn.Parameter(a.weight_std * torch.randn(self.children_n, a.primary_dim, self.k * a.caps_dim))
        self.mu = nn.Parameter(0.1 * torch.randn(self.k, a.caps_dim, a.latent_dim))
        self.mu_b = nn.Parameter(torch.zeros(self.k, a.latent_dim))
        self.logvar = nn.Parameter(0.1 * torch.randn(self.k, a.caps_dim, a.latent_dim))
        self.logvar_b = nn.Parameter(torch.zeros(self.k, a.latent_dim))

    def heads(self):
        return [self.mu, self.mu_b, self.logvar, self.logvar_b]

    def forward(self, x):
        y = self.primary(F.relu(self.conv1(x)))
        b_, _, h, w = y.shape
        u = squash(y.view(b_, self.p_channels, self.p_dim, h, w).permute(0, 1, 3, 4, 2)
                   .reshape(b_, self.children_n, self.p_dim))
        uhat = torch.bmm(u.transpose(0, 1), self.W)                      # (n, B, K*16)
        uhat = uhat.view(self.children_n, b_, self.k, self.caps_dim).permute(1, 2, 0, 3)   # (B, K, n, 16)
        logits = torch.zeros(b_, self.k, self.children_n, dtype=x.dtype)
        for r in range(self.iters):
            c = F.softmax(logits, dim=1)
            v = squash((c.unsqueeze(-1) * uhat).sum(2))                  # (B, K, 16)
            if r < self.iters - 1:
                logits = logits + (uhat * v.unsqueeze(2)).sum(-1)
        mu = torch.einsum("bkc,kcd->bkd", v, self.mu) + self.mu_b
        logvar = torch.einsum("bkc,kcd->bkd", v, self.logvar) + self.logvar_b
        return mu, logvar


class Generator(nn.Module):
    """[masked capsules, T] -> dense to (c0, H/4, W/4) -> two 4x4 stride-2 transposed convolutions -> 3x3 conv."""

    def __init__(self, a, side):
        super().__init__()
        c0, self.s4 = a.generator_channels, side // 4
        self.c0 = c0
        self.dense = nn.Linear(a.entities * a.latent_dim + a.entities, c0 * self.s4 * self.s4)
        self.up1 = nn.ConvTranspose2d(c0, c0 // 2, 4, 2, 1)
        self.up2 = nn.ConvTranspose2d(c0 // 2, c0 // 4, 4, 2, 1)
        self.out = nn.Conv2d(c0 // 4, a.channels, 3, 1, 1)

    def forward(self, z):
        y = F.relu(self.dense(z)).view(z.shape[0], self.c0, self.s4, self.s4)
        return torch.sigmoid(self.out(F.relu(self.up2(F.relu(self.up1(y))))))


class Discriminator(nn.Module):
    """4x4 stride-2 convolutions with LeakyReLU(0.2), then dense to one unbounded score."""

    def __init__(self, a, side):
        super().__init__()
        layers, c = [], a.channels
        for f in a.discriminator:
            layers += [nn.Conv2d(c, f, 4, 2, 1), nn.LeakyReLU(0.2)]
            c, side = f, side // 2
        self.convs = nn.Sequential(*layers)
        self.score = nn.Linear(c * side * side, 1)

    def forward(self, x):
        return self.score(self.convs(x).flatten(1))


def kl(mu, logvar):
    return 0.5 * (mu * mu + logvar.exp() - logvar - 1).sum(-1)            # (B, K)


def one_entity(b, k):
    return F.one_hot(torch.randint(0, k, (b,)), k).float()


def step(a, e, g, d, opt_eg, opt_d, x, t):
    """One `TrainingStep.fit`: D on L_D with the fakes detached, then E and G on L_EG with D held fixed."""
    b = x.shape[0]
    mu, logvar = e(x)
    kls = kl(mu, logvar)
    margin = (t * F.relu(kls - a.m_plus) ** 2 + a.lam * (1 - t) * F.relu(a.m_minus - kls) ** 2).sum(1).mean()
    z = mu + (0.5 * logvar).exp() * torch.randn_like(mu)
    masked = (z * t.unsqueeze(-1)).flatten(1)
    tp = one_entity(b, a.entities)
    prior = (torch.randn_like(mu) * tp.unsqueeze(-1)).flatten(1)
    fakes = g(torch.cat([torch.cat([masked, t], 1), torch.cat([prior, tp], 1)], 0))
    rec = ((fakes[:b] - x) ** 2).flatten(1).sum(1).mean()

    scores = d(torch.cat([x, fakes.detach()], 0))
    loss_d = 0.5 * ((scores[:b] - 1) ** 2).mean() + 0.5 * (scores[b:] ** 2).mean()
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()

    adv = 0.5 * ((d(fakes) - 1) ** 2).mean()
    loss_eg = margin + a.alpha * rec + a.beta * adv
    opt_eg.zero_grad(set_to_none=True)
    d.requires_grad_(False)
    loss_eg.backward()
    d.requires_grad_(True)
    opt_eg.step()
    return loss_eg.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", default="bench_train", choices=["bench_train", "bench_infer"])
    ap.add_argument("--batch", type=int, default=None, help="default: 32 to train, 100 to infer")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--present", type=int, default=8, help="entities present in each image's targets")
    ap.add_argument("--side", type=int, default=64)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--entities", type=int, default=40)
    ap.add_argument("--conv1-filters", type=int, default=64)
    ap.add_argument("--conv1-kernel", type=int, default=9)
    ap.add_argument("--primary-channels", type=int, default=8)
    ap.add_argument("--primary-dim", type=int, default=8)
    ap.add_argument("--primary-kernel", type=int, default=9)
    ap.add_argument("--primary-stride", type=int, default=4)
    ap.add_argument("--caps-dim", type=int, default=16)
    ap.add_argument("--routings", type=int, default=3)
    ap.add_argument("--weight-std", type=float, default=0.01)
    ap.add_argument("--latent-dim", type=int, default=16)
    ap.add_argument("--generator-channels", type=int, default=64)
    ap.add_argument("--discriminator", type=lambda s: [int(c) for c in s.split(",")], default=[32, 64, 128])
    ap.add_argument("--m-plus", type=float, default=24.0)
    ap.add_argument("--m-minus", type=float, default=64.0)
    ap.add_argument("--lam", type=float, default=0.5)
    ap.add_argument("--alpha", type=float, default=2.5)
    ap.add_argument("--beta", type=float, default=0.01)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    e, g, d = Encoder(a, a.side), Generator(a, a.side), Discriminator(a, a.side)
    nets = dict(encoder=e, generator=g, discriminator=d)
    params = {name: sum(p.numel() for p in net.parameters()) for name, net in nets.items()}
    info = dict(model="vcn", mode=a.mode, torch=torch.__version__, threads=torch.get_num_threads(),
                shape=[a.side, a.side, a.channels], entities=a.entities, present=a.present, params=params)

    train = a.mode == "bench_train"
    bs = a.batch or (32 if train else 100)
    heads = set(id(p) for p in e.heads())
    opt_eg = torch.optim.Adam([{"params": [p for p in e.parameters() if id(p) not in heads] + list(g.parameters())},
                               {"params": e.heads(), "lr": 10 * a.lr}], lr=a.lr)
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    times = []
    for s in range(a.warmup + a.steps):
        x = torch.rand(bs, a.channels, a.side, a.side)
        t = torch.zeros(bs, a.entities)
        for row in range(bs):
            t[row, torch.randperm(a.entities)[:a.present]] = 1
        t0 = time.perf_counter()
        if train:
            step(a, e, g, d, opt_eg, opt_d, x, t)
        else:
            with torch.no_grad():
                kl(*e(x))
        if s >= a.warmup:
            times.append(time.perf_counter() - t0)
    med = float(np.median(times))
    info.update(batch=bs, steps=len(times), median_step_s=round(med, 4), img_per_s_median=round(bs / med, 1),
                img_per_s_best=round(bs / min(times), 1),
                peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1))
    print(json.dumps(info), flush=True)


if __name__ == "__main__":
    main()
