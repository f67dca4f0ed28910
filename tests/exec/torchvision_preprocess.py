"""The reference for tests/exec/image_input_test.cpp: torchvision's standard
ImageNet evaluation transform on a PIL image, for a model input 1xCxHxW.

usage: torchvision_preprocess.py IMAGE C H W OUT.bin   (writes float32 CxHxW)
       torchvision_preprocess.py --make KIND OUT       (an image only PIL writes here:
                                                        palette, bilevel or progressive)
"""
import sys

from PIL import Image
from torchvision import transforms


def make(kind, out):
    import random

    rng = random.Random(3)
    rgb = Image.frombytes("RGB", (123, 77), bytes(rng.randrange(256) for _ in range(123 * 77 * 3)))
    if kind == "palette":  # 8-bit palette with a transparent entry
        rgb.quantize(colors=200).save(out, transparency=5)
    elif kind == "bilevel":  # 1 bit per pixel
        rgb.convert("1").save(out)
    elif kind == "progressive":
        rgb.save(out, quality=80, progressive=True)
    else:
        raise SystemExit("unknown kind " + kind)


def main():
    if sys.argv[1] == "--make":
        make(sys.argv[2], sys.argv[3])
        return
    path, c, h, w, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    with Image.open(path) as image:
        image = image.convert("RGB" if c == 3 else "L")
    steps = [
        transforms.Resize(round(max(h, w) * 256 / 224)),  # bilinear, PIL's antialiasing
        transforms.CenterCrop((h, w)),
        transforms.ToTensor(),
    ]
    if c == 3:
        steps.append(transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)))
    x = transforms.Compose(steps)(image)
    assert tuple(x.shape) == (c, h, w), x.shape
    x.contiguous().numpy().astype("float32").tofile(out)


if __name__ == "__main__":
    main()
