"""FID's Inception path, checked against a reference computation, and the FID sanity checks.

Images are drawn procedurally (random strokes and blobs), so "real train" and "real test" are
two independent draws of one distribution. Inception at 299 px costs ~0.1-0.2 s per image on
2 cores, so N stays small; the orderings asserted hold with wide margins at this N.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFilter

from polystyle.metrics.frechet import frechet_distance_of
from polystyle.metrics.inception import inception_features, load_inception
from polystyle.metrics.kid import kernel_inception_distance

N = 32


def strokes(n: int, seed: int, size: int = 64) -> list[Image.Image]:
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(n):
        image = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(180, 256, 3)))
        draw = ImageDraw.Draw(image)
        for _ in range(4):
            box = sorted(rng.integers(0, size, 2)), sorted(rng.integers(0, size, 2))
            colour = tuple(int(v) for v in rng.integers(0, 120, 3))
            draw.line([box[0][0], box[1][0], box[0][1], box[1][1]], fill=colour, width=3)
            draw.ellipse([box[0][0], box[1][0], box[0][1] + 4, box[1][1] + 4], outline=colour)
        images.append(image)
    return images


def to_tensor(images: list[Image.Image]) -> torch.Tensor:
    return torch.from_numpy(np.stack([np.asarray(i) for i in images])).permute(0, 3, 1, 2)


def reference_features(image: Image.Image) -> torch.Tensor:
    """pytorch-fid's path, one image at a time: [0, 1] NCHW, bilinear to 299, then 2x - 1."""
    x = torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0)
    x = x.permute(2, 0, 1)[None].float().contiguous()
    x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False) * 2 - 1
    with torch.inference_mode():
        return load_inception()(x)[0]


@pytest.fixture(scope="module")
def features() -> dict[str, torch.Tensor]:
    train, test = strokes(N, 1), strokes(N, 2)
    sets = {"train": train, "test": test}
    for radius in (1, 2, 4):
        sets[f"blur{radius}"] = [i.filter(ImageFilter.GaussianBlur(radius)) for i in test]
    noise = np.random.default_rng(3).integers(0, 256, (N, 64, 64, 3), dtype=np.uint8)
    sets["noise"] = [Image.fromarray(a) for a in noise]
    return {name: inception_features(to_tensor(images), batch=20) for name, images in sets.items()}


def test_batched_path_matches_reference_per_image():
    images = [*strokes(3, 7), strokes(1, 8)[0].convert("L")]
    ours = inception_features(to_tensor([i.convert("RGB") for i in images[:3]]))
    grey = torch.from_numpy(np.array(images[3]))[None, None]
    ours = torch.cat([ours, inception_features(grey)])
    assert ours.shape == (4, 2048)
    for row, image in zip(ours, images, strict=True):
        torch.testing.assert_close(row, reference_features(image), atol=1e-4, rtol=0)


def test_fid_orders_real_blur_and_noise(features):
    real = frechet_distance_of(features["train"], features["test"])
    blurs = [frechet_distance_of(features["train"], features[f"blur{r}"]) for r in (1, 2, 4)]
    noise = frechet_distance_of(features["train"], features["noise"])
    assert real < 0.7 * blurs[0], (real, blurs)
    assert blurs[0] < blurs[1] < blurs[2], blurs
    assert noise > 2 * real and noise > blurs[0]


def test_kid_of_two_halves_is_near_zero(features):
    both = torch.cat([features["train"], features["test"]])
    halves = kernel_inception_distance(both[::2], both[1::2], subsets=20, subset_size=N // 2)
    blurred = kernel_inception_distance(features["train"], features["blur4"], subsets=20)
    assert abs(halves.mean) < 0.1 * blurred.mean, (halves, blurred)


def test_features_are_deterministic():
    images = to_tensor(strokes(2, 9))
    assert torch.equal(inception_features(images), inception_features(images))
