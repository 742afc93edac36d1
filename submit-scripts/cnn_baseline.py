#!/usr/bin/python3
"""A plain CNN attribute classifier, trained for a fixed number of minutes: the yardstick of issue 26's targets.

vcaps' multi-label targets compare its per-attribute accuracy with "a plain CNN trained for the same minutes on the
same rows". This is that CNN, in plain PyTorch: three 3x3 convolutions with stride 2 and ReLU (32, 64, 128
channels), flattened (not pooled: attributes such as `left` and `top` are positions) into a linear layer with one
logit per attribute, binary cross-entropy, Adam at 1e-3, batches of 64. It reads the layout that `vcaps multimnist`,
`vcaps shapes` and CelebA share (INPUT/attributes.txt: a count line, the attribute names, then `path v1 v2 ...` with
1 present and -1 absent; paths under train/ and test/), trains on the train rows for --minutes (image decoding not
counted) on --threads threads, and prints one JSON line with the same held-out measures as vcaps (README,
"Multi-label measures"): per attribute accuracy and balanced accuracy at sigmoid 0.5, their means, mean AUROC,
exact-set accuracy, and top-k where every test image has k attributes.

    /usr/bin/python3 submit-scripts/cnn_baseline.py --input /data/shapes-png --minutes 10
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image


def read_split(root, rows, split, channels):
    chosen = [(path, labels) for path, labels in rows if path.startswith(split + "/")]
    mode = "L" if channels == 1 else "RGB"
    images = np.stack([np.asarray(Image.open(os.path.join(root, p)).convert(mode), dtype=np.uint8)
                       for p, _ in chosen])
    if images.ndim == 3:
        images = images[:, :, :, None]
    x = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    y = torch.tensor(np.array([labels for _, labels in chosen]), dtype=torch.float32)
    return x, y


def read_attributes(root):
    with open(os.path.join(root, "attributes.txt")) as f:
        lines = f.read().split("\n")
    names = lines[1].split()
    rows = []
    for line in lines[2:]:
        parts = line.split()
        if parts:
            rows.append((parts[0], [1.0 if v == "1" else 0.0 for v in parts[1:]]))
    return names, rows


class PlainCnn(nn.Module):
    def __init__(self, channels, attributes, height, width):
        super().__init__()
        self.c1 = nn.Conv2d(channels, 32, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, stride=2, padding=1)
        self.c3 = nn.Conv2d(64, 128, 3, stride=2, padding=1)
        self.out = nn.Linear(128 * ((height + 7) // 8) * ((width + 7) // 8), attributes)

    def forward(self, x):
        h = F.relu(self.c3(F.relu(self.c2(F.relu(self.c1(x))))))
        return self.out(h.flatten(1))


def auroc(scores, truth):
    """The Mann-Whitney statistic: the chance that a present image scores above an absent one, ties counting half."""
    positives, negatives = truth.sum(), len(truth) - truth.sum()
    if positives == 0 or negatives == 0:
        return float("nan")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]
    return (ranks[truth == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)


def measures(logits, truth, names):
    predicted = logits > 0
    per = {}
    for a, name in enumerate(names):
        t, p = truth[:, a] == 1, predicted[:, a]
        tpr = (p & t).sum() / max(t.sum(), 1)
        tnr = (~p & ~t).sum() / max((~t).sum(), 1)
        per[name] = {"accuracy": float((p == t).mean()), "balanced_accuracy": float((tpr + tnr) / 2),
                     "auroc": float(auroc(logits[:, a], truth[:, a]))}
    out = {
        "mean_accuracy": float(np.mean([m["accuracy"] for m in per.values()])),
        "mean_balanced_accuracy": float(np.mean([m["balanced_accuracy"] for m in per.values()])),
        "mean_auroc": float(np.nanmean([m["auroc"] for m in per.values()])),
        "exact_set_accuracy": float((predicted == (truth == 1)).all(axis=1).mean()),
    }
    counts = truth.sum(axis=1)
    if counts.min() == counts.max() and counts[0] > 0:
        k = int(counts[0])
        top = np.argsort(-logits, axis=1, kind="mergesort")[:, :k]
        out["k"] = k
        out["top_k"] = float(np.mean([truth[i, top[i]].all() for i in range(len(truth))]))
    out["per_attribute"] = per
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--input", required=True, help="folder with attributes.txt, train/ and test/")
    p.add_argument("--minutes", type=float, default=10.0, help="training time, decoding not counted")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--channels", type=int, default=0, help="1 or 3; default: from the first image")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    names, rows = read_attributes(a.input)
    channels = a.channels or (1 if Image.open(os.path.join(a.input, rows[0][0])).mode in ("L", "I;16") else 3)
    x_train, y_train = read_split(a.input, rows, "train", channels)
    x_test, y_test = read_split(a.input, rows, "test", channels)
    model = PlainCnn(channels, len(names), x_train.shape[2], x_train.shape[3])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(a.seed)
    start, seen, steps = time.perf_counter(), 0, 0
    while time.perf_counter() - start < a.minutes * 60:
        for batch in torch.randperm(len(x_train), generator=generator).split(64):
            loss = F.binary_cross_entropy_with_logits(model(x_train[batch].float() / 255.0), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen, steps = seen + len(batch), steps + 1
            if time.perf_counter() - start >= a.minutes * 60:
                break
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(b.float() / 255.0) for b in x_test.split(256)]).numpy()
    result = {"input": a.input, "minutes": a.minutes, "threads": a.threads, "train_images": len(x_train),
              "test_images": len(x_test), "images_seen": seen, "epochs": seen / len(x_train), "steps": steps,
              "train_seconds": seconds, "params": sum(t.numel() for t in model.parameters())}
    result.update(measures(logits, y_test.numpy(), names))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
