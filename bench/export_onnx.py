#!/usr/bin/python3
"""Exports torchvision's SqueezeNet 1.1 (227x227, TransferKit's input size), ResNet50 and VGG16 (224x224) with
random weights to ONNX for the ONNX Runtime runner (bench/onnx), batch axis dynamic, and prints each network's
multiply-accumulates per image (convolutions and fully connected layers; SqueezeNet also at 224x224).
  export_onnx.py OUT_DIR [--as-transferkit]
With --as-transferkit the networks are torchvision's re-shaped into exactly the graphs `transferkit bench models`
times (DL4J's zoo / Keras layouts with a global-pooling + 512/2048->1000 dense head): floor-mode max-pooling and no
1x1 classifier conv for SqueezeNet, the Keras v1 ResNet50 (stride on the first 1x1 convolution of a downsampling
block, unpadded stem max-pool), VGG16's convolutions with global pooling instead of fc6-fc8. Their printed
multiply-accumulates equal bench/TkMacs.java's (0.267, 3.863, 15.347 G), so ONNX Runtime's images/s on them compare
per image and per multiply-accumulate at once."""
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


def pooled_head(features, channels):
    """The graph's convolutions, then global average pooling and a channels->1000 dense layer (TransferKit's head)."""
    return torch.nn.Sequential(features, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(channels, 1000))


def as_transferkit(name, model):
    """torchvision's network re-shaped into the graph TransferKit times for the same name."""
    if name == "squeezenet":
        for m in model.features.modules():
            if isinstance(m, torch.nn.MaxPool2d):
                m.ceil_mode = False
        return pooled_head(model.features, 512)
    if name == "resnet50":
        model.maxpool.padding = 0
        for layer in (model.layer2, model.layer3, model.layer4):
            block = layer[0]
            block.conv1.stride, block.conv2.stride = (2, 2), (1, 1)
        return model
    return pooled_head(model.features, 512)


if __name__ == "__main__":
    out = sys.argv[1]
    matched = "--as-transferkit" in sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1)
    for name, (ctor, size) in MODELS.items():
        model = ctor()
        if matched:
            model = as_transferkit(name, model)
        model = model.eval()
        path = os.path.join(out, name + ".onnx")
        torch.onnx.export(model, torch.rand(1, 3, size, size), path, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=13)
        line = "model=%s input=3x%dx%d gmacs_per_image=%.3f onnx=%s" % (name, size, size, macs(model, size) / 1e9, path)
        if name == "squeezenet" and not matched:
            line += " gmacs_at_224=%.3f" % (macs(model, 224) / 1e9)
        print(line, flush=True)
