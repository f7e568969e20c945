#!/usr/bin/python3
"""PyTorch side of `bench/models.sh`: images/s of torchvision's SqueezeNet 1.1, ResNet50 and VGG16
(random weights, 2 threads) for inference, a frozen-backbone training step (forward everything,
backward the classifier only) and a full training step; median of N after warm-up; peak RSS.
Prints the same key=value lines as `transferkit bench models`.
  torch_models.py MODEL[,MODEL] BATCH ITERATIONS WARMUP"""
import resource
import statistics
import sys
import time

import torch
import torchvision

torch.set_num_threads(2)
SIZES = {"squeezenet": 227, "resnet50": 224, "vgg16": 224}


def build(name):
    if name == "squeezenet":
        return torchvision.models.squeezenet1_1(), "classifier"
    if name == "resnet50":
        return torchvision.models.resnet50(), "fc"
    if name == "vgg16":
        return torchvision.models.vgg16(), "classifier"
    raise SystemExit("unknown model " + name)


def run(name, mode, batch, iterations, warmup):
    torch.manual_seed(1)
    model, head = build(name)
    size = SIZES[name]
    x = torch.rand(batch, 3, size, size)
    y = torch.arange(batch) % 1000
    if mode == "inference":
        model.eval()
    else:
        model.train()
        for n, p in model.named_parameters():
            p.requires_grad = mode == "full_step" or n.startswith(head + ".")
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    rates = []
    for i in range(warmup + iterations):
        t0 = time.perf_counter()
        if mode == "inference":
            with torch.no_grad():
                model(x)
        else:
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        if i >= warmup:
            rates.append(batch / (time.perf_counter() - t0))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print("model=%s mode=%s batch=%d input=3x%dx%d images_per_s=%.2f peak_rss_mb=%d torch=%s"
          % (name, mode, batch, size, size, statistics.median(rates), peak, torch.__version__), flush=True)


if __name__ == "__main__":
    models, batch, iterations, warmup = sys.argv[1].split(","), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    modes = sys.argv[5].split(",") if len(sys.argv) > 5 else ["inference", "frozen_step", "full_step"]
    for m in models:
        for mode in modes:
            run(m, mode, batch, iterations, warmup)
