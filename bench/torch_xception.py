"""Keras's Xception (the graph DL4J's zoo and TransferKit's `xception` backbone have) in PyTorch, for
bench/torch_models.py: torchvision has no Xception. 299x299 input; separable convolutions as a 3x3 depthwise and a
1x1 pointwise convolution without bias, each followed by batch normalization; Same-mode 3x3 max-pooling with stride
2; 1x1 strided projections on the entry- and exit-flow residuals; global average pooling and a 2048->1000 classifier
named `fc`. Block names follow Keras (block1 ... block14), so the benchmark can make the top blocks trainable."""
import torch
from torch import nn


def separable(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False), nn.Conv2d(cin, cout, 1, bias=False),
                         nn.BatchNorm2d(cout))


class Downsampling(nn.Module):
    """Entry/exit-flow block: [ReLU] sep, ReLU, sep, max-pool, plus a strided 1x1 projection of the input."""

    def __init__(self, cin, cmid, cout, relu_first):
        super().__init__()
        layers = ([nn.ReLU()] if relu_first else []) + [separable(cin, cmid), nn.ReLU(), separable(cmid, cout),
                                                         nn.MaxPool2d(3, 2, padding=1)]
        self.body = nn.Sequential(*layers)
        self.residual = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=2, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return self.body(x) + self.residual(x)


class Middle(nn.Module):
    """Middle-flow block: three times ReLU, separable 728, added to the input."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(*[m for _ in range(3) for m in (nn.ReLU(), separable(728, 728))])

    def forward(self, x):
        return self.body(x) + x


class Xception(nn.Module):
    def __init__(self):
        super().__init__()
        self.block1 = nn.Sequential(nn.Conv2d(3, 32, 3, stride=2, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                                    nn.Conv2d(32, 64, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        self.block2 = Downsampling(64, 128, 128, relu_first=False)
        self.block3 = Downsampling(128, 256, 256, relu_first=True)
        self.block4 = Downsampling(256, 728, 728, relu_first=True)
        for i in range(5, 13):
            setattr(self, "block%d" % i, Middle())
        self.block13 = Downsampling(728, 728, 1024, relu_first=True)
        self.block14 = nn.Sequential(separable(1024, 1536), nn.ReLU(), separable(1536, 2048), nn.ReLU())
        self.fc = nn.Linear(2048, 1000)

    def forward(self, x):
        for i in range(1, 15):
            x = getattr(self, "block%d" % i)(x)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))
