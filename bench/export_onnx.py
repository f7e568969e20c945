#!/usr/bin/python3
"""Exports torchvision's SqueezeNet 1.1 (227x227, TransferKit's input size), ResNet50 and VGG16 (224x224) with
random weights to ONNX for the ONNX Runtime runner (bench/onnx), batch axis dynamic, and prints each network's
multiply-accumulates per image (convolutions and fully connected layers; SqueezeNet also at 224x224).
  export_onnx.py OUT_DIR"""
import os
import sys

import torch
import torchvision

MODELS = {"squeezenet": (torchvision.models.squeezenet1_1, 227), "resnet50": (torchvision.models.resnet50, 224),
          "vgg16": (torchvision.models.vgg16, 224)}


def macs(model, size):
    """Multiply-accumulates of one image through every Conv2d and Linear."""
    total = [0]

    def hook(m, _inp, out):
        if isinstance(m, torch.nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
            total[0] += out.numel() * k
        elif isinstance(m, torch.nn.Linear):
            total[0] += m.in_features * m.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for h in handles:
        h.remove()
    return total[0]


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1)
    for name, (ctor, size) in MODELS.items():
        model = ctor().eval()
        path = os.path.join(out, name + ".onnx")
        torch.onnx.export(model, torch.rand(1, 3, size, size), path, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=13)
        line = "model=%s input=3x%dx%d gmacs_per_image=%.3f onnx=%s" % (name, size, size, macs(model, size) / 1e9, path)
        if name == "squeezenet":
            line += " gmacs_at_224=%.3f" % (macs(model, 224) / 1e9)
        print(line, flush=True)
