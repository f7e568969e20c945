#!/usr/bin/python3
"""PyTorch's epoch for TransferKit's phase-2 recipe on real photos (issue 19's yardstick): torchvision's
SqueezeNet 1.1 with fire8, fire9 (features.11, features.12) and a new linear head (global average pooling,
512 -> classes) trainable, everything below frozen, SGD lr 1e-3 momentum 0.9, batch 32, images decoded in the
main process (num_workers=0) every epoch, 227x227 squash resize; then one validation pass per epoch. Prints the
train and validation seconds of every epoch and their medians as key=value lines.
  torch_phase2.py TRAIN_DIR VAL_DIR [EPOCHS] [augment]

`augment` draws TransferKit's train-time transforms (horizontal flip, random resized crop, rotation up to 10
degrees, colour jitter) each epoch. Weights are torchvision's random initialisation: the figure is the time, not
the accuracy. The fair set-up (glibc keeping freed memory, OpenBLAS, 2 threads) comes from torch_models.py."""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402  (re-executes with GLIBC_TUNABLES, sets 2 threads)
import torch  # noqa: E402
import torchvision  # noqa: E402
from torchvision import transforms as T  # noqa: E402

SIZE = 227
NORMALIZE = T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])


def loaders(train_dir, val_dir, augment):
    if augment:
        train_tf = T.Compose([T.RandomResizedCrop(SIZE), T.RandomHorizontalFlip(), T.RandomRotation(10),
                              T.ColorJitter(0.2, 0.2, 0.2), T.ToTensor(), NORMALIZE])
    else:
        train_tf = T.Compose([T.Resize((SIZE, SIZE)), T.ToTensor(), NORMALIZE])
    val_tf = T.Compose([T.Resize((SIZE, SIZE)), T.ToTensor(), NORMALIZE])
    train = torchvision.datasets.ImageFolder(train_dir, train_tf)
    val = torchvision.datasets.ImageFolder(val_dir, val_tf)
    return (torch.utils.data.DataLoader(train, batch_size=32, shuffle=True, num_workers=0),
            torch.utils.data.DataLoader(val, batch_size=32, shuffle=False, num_workers=0), len(train.classes))


def model(classes):
    net = torchvision.models.squeezenet1_1()
    net.classifier = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                                         torch.nn.Linear(512, classes))
    for name, p in net.named_parameters():
        p.requires_grad = name.startswith(("features.11.", "features.12.", "classifier."))
    return net


def epoch(net, opt, train, val):
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    net.train()
    for x, y in train:
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    middle = time.perf_counter()
    net.eval()
    correct = 0
    with torch.no_grad():
        for x, y in val:
            correct += (net(x).argmax(1) == y).sum().item()
    return middle - start, time.perf_counter() - middle


def main():
    train_dir, val_dir = sys.argv[1], sys.argv[2]
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    augment = len(sys.argv) > 4 and sys.argv[4] == "augment"
    lib = torch_models.check_blas()
    train, val, classes = loaders(train_dir, val_dir, augment)
    net = model(classes)
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=1e-3, momentum=0.9)
    trains, vals = [], []
    for e in range(epochs):
        t, v = epoch(net, opt, train, val)
        trains.append(t)
        vals.append(v)
        print("torch_phase2 epoch=%d train_s=%.2f val_s=%.2f total_s=%.2f" % (e + 1, t, v, t + v), flush=True)
    print("torch_phase2 augment=%s epochs=%d median_train_s=%.2f median_val_s=%.2f median_total_s=%.2f blas=%s"
          % (augment, epochs, statistics.median(trains), statistics.median(vals),
             statistics.median([a + b for a, b in zip(trains, vals)]), lib))


if __name__ == "__main__":
    main()
