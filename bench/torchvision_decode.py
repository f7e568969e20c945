#!/usr/bin/env python3
"""torchvision's ImageFolder + PIL + DataLoader doing what DecodeBenchmark does: decode, resize to
SIZE x SIZE (squash), ToTensor, ImageNet Normalize, batches of 32; one warm-up pass, then the median
of PASSES timed passes. Used only as a yardstick by bench/decode.sh (never a dependency of TransferKit).

usage: torchvision_decode.py SIZE PASSES WORKERS FOLDER...
prints one line per folder set: workers=W images=N images_per_s=X
"""
import statistics
import sys
import time

import torch
from torch.utils.data import ConcatDataset, DataLoader
from torchvision import datasets, transforms


def main():
    size, passes, workers = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    folders = sys.argv[4:]
    torch.set_num_threads(1)
    tf = transforms.Compose([
        transforms.Resize((size, size)),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    ds = ConcatDataset([datasets.ImageFolder(f, transform=tf) for f in folders])
    loader = DataLoader(ds, batch_size=32, shuffle=False, num_workers=workers,
                        persistent_workers=workers > 0)
    times = []
    n = 0
    for p in range(-1, passes):
        t0 = time.perf_counter()
        n = 0
        for x, _ in loader:
            n += x.shape[0]
        if p >= 0:
            times.append(time.perf_counter() - t0)
    print(f"workers={workers} images={n} images_per_s={n / statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
