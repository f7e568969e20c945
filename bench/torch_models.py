#!/usr/bin/python3
"""PyTorch side of `bench/models.sh`: images/s of torchvision's SqueezeNet 1.1, ResNet50 and VGG16 (and Keras's
Xception, bench/torch_xception.py) (random weights, 2 threads) for inference, a frozen-backbone training step (forward everything,
backward the classifier only), a full training step, and a partial step (the top blocks and the
classifier trainable, batch norm in inference mode, as TransferKit's phase 2 has it); median of N
after warm-up; peak RSS. Prints the same key=value lines as `transferkit bench models`.
  torch_models.py MODEL[,MODEL] BATCH ITERATIONS WARMUP [MODES] [UNFREEZE]

The peer is measured at its best (see docs/benchmarks.md): glibc must not hand large buffers back to the
kernel after every iteration (GLIBC_TUNABLES, set here by re-executing this script when missing), and
libblas.so.3 must be OpenBLAS, not the reference BLAS (checked; refused unless TORCH_BENCH_ALLOW_SLOW_BLAS=1)."""
import os
import resource
import statistics
import sys
import time

TUNABLES = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736"
if os.environ.get("GLIBC_TUNABLES") != TUNABLES:  # read by glibc at start-up only: run again with it
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, GLIBC_TUNABLES=TUNABLES))

import torch  # noqa: E402  (after the re-exec on purpose)
import torchvision  # noqa: E402

torch.set_num_threads(2)
SIZES = {"squeezenet": 227, "resnet50": 224, "vgg16": 224, "xception": 299}
# Parameter-name prefixes of each model's blocks, top block first, matching the blocks TransferKit publishes:
# SqueezeNet fire9, fire8, ... (torchvision's features.12, features.11, ...); ResNet50 its stages (layer4 = stage 5);
# VGG16 its convolution blocks (block 5 = features.24/26/28).
BLOCKS = {
    "squeezenet": [["features.12."], ["features.11."], ["features.10."], ["features.9."], ["features.7."],
                   ["features.6."], ["features.4."], ["features.3."]],
    "resnet50": [["layer4."], ["layer3."], ["layer2."], ["layer1."]],
    "vgg16": [["features.24.", "features.26.", "features.28."], ["features.17.", "features.19.", "features.21."],
              ["features.10.", "features.12.", "features.14."], ["features.5.", "features.7."]],
    "xception": [["block%d." % i] for i in range(14, 0, -1)],
}
DEFAULT_UNFREEZE = {"squeezenet": 2, "resnet50": 1, "vgg16": 1, "xception": 1}  # as TransferKit's PartialStep.defaultBlocks


def blas():
    """The libblas.so.3 this process resolved (after importing torch)."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if path.endswith("/libblas.so.3"):
                return os.path.realpath(path)
    return "none"


def check_blas():
    lib = blas()
    if "openblas" not in lib and "mkl" not in lib:
        msg = ("libblas.so.3 is %s (the slow reference BLAS?): apt-get install libopenblas0-pthread, "
               "or set TORCH_BENCH_ALLOW_SLOW_BLAS=1 to measure anyway" % lib)
        if os.environ.get("TORCH_BENCH_ALLOW_SLOW_BLAS") != "1":
            raise SystemExit(msg)
        print("WARNING: " + msg, file=sys.stderr)
    return lib


def build(name):
    if name == "squeezenet":
        return torchvision.models.squeezenet1_1(), "classifier"
    if name == "resnet50":
        return torchvision.models.resnet50(), "fc"
    if name == "vgg16":
        return torchvision.models.vgg16(), "classifier"
    if name == "xception":
        from torch_xception import Xception  # beside this script
        return Xception(), "fc"
    raise SystemExit("unknown model " + name)


def trainable_prefixes(name, mode, head, unfreeze):
    """Parameter-name prefixes that train in MODE (None: everything)."""
    if mode == "full_step":
        return None
    if mode == "frozen_step":
        return [head + "."]
    n = unfreeze or DEFAULT_UNFREEZE[name]
    return [p for block in BLOCKS[name][:n] for p in block] + [head + "."]


def prepare(model, name, mode, head, unfreeze):
    """Sets train/eval mode and requires_grad; returns the names of the trainable parameters' modules."""
    if mode == "inference":
        model.eval()
        return []
    model.train()
    prefixes = trainable_prefixes(name, mode, head, unfreeze)
    for n, p in model.named_parameters():
        p.requires_grad = prefixes is None or any(n.startswith(x) for x in prefixes)
    if mode == "partial_step":  # batch norm in inference mode and frozen, as TransferKit's phase 2 (BatchNormFreezer)
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()
                for p in m.parameters():
                    p.requires_grad = False
    return sorted({n.rsplit(".", 1)[0] for n, p in model.named_parameters() if p.requires_grad})


def run(name, mode, batch, iterations, warmup, unfreeze, lib):
    torch.manual_seed(1)
    model, head = build(name)
    size = SIZES[name]
    x = torch.rand(batch, 3, size, size)
    y = torch.arange(batch) % 1000
    trainable = prepare(model, name, mode, head, unfreeze)
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
    extra = " trainable=" + ",".join(trainable) if mode == "partial_step" else ""
    print("model=%s mode=%s batch=%d input=3x%dx%d images_per_s=%.2f peak_rss_mb=%d torch=%s blas=%s%s"
          % (name, mode, batch, size, size, statistics.median(rates), peak, torch.__version__, lib, extra), flush=True)


if __name__ == "__main__":
    models, batch, iterations, warmup = sys.argv[1].split(","), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    modes = sys.argv[5].split(",") if len(sys.argv) > 5 else ["inference", "frozen_step", "full_step"]
    unfreeze = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    blas_lib = check_blas()
    for m in models:
        for mode in modes:
            run(m, mode, batch, iterations, warmup, unfreeze, blas_lib)
