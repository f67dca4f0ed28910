#!/usr/bin/python3
"""Three model families that mirror what other toolchains hand splitinfer, built
with PyTorch (random weights, seeded) and exported with symbolic height and
width at ONNX opsets 9, 11, 13 and 17, plus opset 20 rewritten from 17:

  detector    a DB-style text detector: strided backbone, feature pyramid
              (upsampling by Resize nearest, Resize bilinear to a computed
              size, and ConvTranspose), Concat across scales, and a head of
              ConvTranspose + BatchNorm + Relu ending in a Sigmoid;
  recognizer  a CRNN-style text-line recognizer: convolutions that bring the
              height to 1, then a [W, C] sequence through a small attention
              block (LayerNorm, MatMul, Softmax, GELU with Erf) and a classifier
              per column;
  classifier  a MobileNetV3-style classifier (torchvision's mobilenet_v3_small
              at width 0.5: HardSwish, squeeze-excitation with HardSigmoid).

Older opsets make the exporter write older forms: Upsample (opset 9),
LayerNorm as ReduceMean/Sub/Pow/Sqrt/Div (before 17), HardSwish as
x * HardSigmoid(x) (before 14), Softmax over a flattened axis (before 13).
Opset 20 is the opset 17 file with the operators that changed in between in
their new form (ReduceMean's axes as an input) and the opset raised: PyTorch
1.13 exports up to 17.

usage: exporter_families.py OUT_DIR   writes FAMILY.opsetN.onnx and
                                      families.json (input shapes to fix)
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

OPSETS = [9, 11, 13, 17]
REWRITTEN_OPSET = 20
# The shape each family is run at; height and width are symbolic in the files.
INPUT_SHAPES = {
    "detector": [1, 3, 96, 128],
    "recognizer": [1, 3, 32, 96],
    "classifier": [1, 3, 96, 96],
}


def conv_bn_relu(cin, cout, k=3, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU())


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn_relu(3, 16, stride=2)                       # 1/2
        self.c2 = nn.Sequential(conv_bn_relu(16, 16, groups=16), conv_bn_relu(16, 24, 1),
                                conv_bn_relu(24, 24, stride=2))          # 1/4
        self.c3 = nn.Sequential(conv_bn_relu(24, 32, stride=2), conv_bn_relu(32, 32))  # 1/8
        self.c4 = nn.Sequential(conv_bn_relu(32, 48, stride=2), conv_bn_relu(48, 48))  # 1/16
        self.lateral = nn.ModuleList([nn.Conv2d(c, 32, 1) for c in (24, 32, 48)])
        self.up3 = nn.ConvTranspose2d(32, 32, 2, stride=2)
        self.smooth = nn.ModuleList([conv_bn_relu(32, 8) for _ in range(3)])
        self.head = nn.Sequential(
            conv_bn_relu(24, 16),
            nn.ConvTranspose2d(16, 16, 2, stride=2), nn.BatchNorm2d(16), nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 2, stride=2), nn.Sigmoid())

    def forward(self, x):
        c2 = self.c2(self.stem(x))
        c3 = self.c3(c2)
        c4 = self.c4(c3)
        p4 = self.lateral[2](c4)
        p3 = self.lateral[1](c3) + F.interpolate(p4, scale_factor=2.0, mode="nearest")
        p2 = self.lateral[0](c2) + self.up3(p3)
        p3 = F.interpolate(p3, size=p2.shape[2:], mode="bilinear", align_corners=False)
        p4 = F.interpolate(p4, size=p2.shape[2:], mode="nearest")
        fused = torch.cat([s(p) for s, p in zip(self.smooth, (p2, p3, p4))], dim=1)
        return self.head(fused)


class AttentionBlock(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.out = (nn.Linear(d, d) for _ in range(4))
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        self.scale = 1.0 / math.sqrt(d)

    def forward(self, x):  # [B, T, d]
        h = self.norm1(x)
        weights = torch.softmax(torch.matmul(self.q(h), self.k(h).transpose(1, 2)) * self.scale, -1)
        x = x + self.out(torch.matmul(weights, self.v(h)))
        return x + self.mlp(self.norm2(x))


class Recognizer(nn.Module):
    def __init__(self, classes=37):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn_relu(3, 16), nn.MaxPool2d(2),           # 16 x W/2
            conv_bn_relu(16, 32), nn.MaxPool2d(2),          # 8 x W/4
            conv_bn_relu(32, 48), nn.MaxPool2d((2, 1)),     # 4 x W/4
            conv_bn_relu(48, 64), nn.AvgPool2d((4, 1)))     # 1 x W/4
        self.attention = AttentionBlock(64)
        self.classify = nn.Linear(64, classes)

    def forward(self, x):
        seq = self.features(x).squeeze(2).permute(0, 2, 1)  # [B, W/4, 64]
        return self.classify(self.attention(seq))


def build(family):
    torch.manual_seed({"detector": 1, "recognizer": 2, "classifier": 3}[family])
    if family == "classifier":
        import torchvision
        model = torchvision.models.mobilenet_v3_small(width_mult=0.5, num_classes=100)
    else:
        model = Detector() if family == "detector" else Recognizer()
    # Non-trivial BatchNorm statistics, as a trained model has.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return model.eval()


def raise_opset(src, dst, opset):
    """The opset 17 file in opset `opset`'s form: ReduceMean's axes move from
    an attribute to an input (opset 18); nothing else these files use changed."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper
    model = onnx.load(src)
    for node in model.graph.node:
        if node.op_type != "ReduceMean":
            continue
        axes = [a for a in node.attribute if a.name == "axes"]
        if not axes:
            continue
        name = node.output[0] + "_axes"
        model.graph.initializer.append(numpy_helper.from_array(np.array(axes[0].ints, np.int64), name))
        node.input.append(name)
        node.attribute.remove(axes[0])
    del model.opset_import[:]
    model.opset_import.append(helper.make_opsetid("", opset))
    onnx.save(model, dst)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    files = []
    for family, shape in INPUT_SHAPES.items():
        model = build(family)
        x = torch.randn(*shape)
        for opset in OPSETS:
            path = os.path.join(out, "%s.opset%d.onnx" % (family, opset))
            torch.onnx.export(model, x, path, opset_version=opset, input_names=["x"],
                              output_names=["y"], dynamic_axes={"x": {2: "height", 3: "width"}})
            files.append({"family": family, "opset": opset, "path": path, "shape": shape})
        path = os.path.join(out, "%s.opset%d.onnx" % (family, REWRITTEN_OPSET))
        raise_opset(files[-1]["path"], path, REWRITTEN_OPSET)
        files.append({"family": family, "opset": REWRITTEN_OPSET, "path": path, "shape": shape})
    with open(os.path.join(out, "families.json"), "w") as f:
        json.dump(files, f, indent=1)


if __name__ == "__main__":
    main()
