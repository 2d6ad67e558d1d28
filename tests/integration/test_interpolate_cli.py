"""`polystyle interpolate` on a tiny trained model: files, keypoint frames, determinism, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from polystyle.cli import main
from polystyle.pipelines import SynthesisPipeline
from polystyle.sampling.animation import mp4_supported, webp_animation_supported
from polystyle.sampling.interpolate import interpolation_frames, style_wheel
from tests.e2e.test_train_cli import tiny_model


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model(tmp_path_factory.mktemp("interpolate"))


@pytest.fixture(scope="module")
def pipe(model: Path) -> SynthesisPipeline:
    return SynthesisPipeline.from_pretrained(model, device="cpu")


def _interpolate(model: Path, *args: str | Path) -> int:
    return main(["interpolate", str(model), "--device", "cpu", *map(str, args)])


def test_gif_and_strip_have_the_frames_asked_for(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "anim" / "seeds.gif"
    args = ("--seeds", "0,5,9", "--style", "circle", "--frames", "9", "--out", out, "--strip")
    assert _interpolate(model, *args, "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["frames"] == 9 and result["size"] == [16, 16] and result["keypoints"] == [0, 5, 9]
    with Image.open(out) as gif:
        assert (gif.n_frames, gif.size, gif.info["loop"]) == (9, (16, 16), 0)
    strip = tmp_path / "anim" / "seeds-strip.png"
    assert result["files"] == [str(out), str(strip)]
    with Image.open(strip) as image:
        assert image.size == (9 * (16 + 2) + 2, 16 + 4)
    first = out.read_bytes()
    assert _interpolate(model, *args) == 0
    assert "9 frames of 16x16 px" in capsys.readouterr().out
    assert out.read_bytes() == first


@pytest.mark.parametrize("mode", ["slerp", "lerp"])
def test_seed_path_keypoints_are_plain_renders(pipe: SynthesisPipeline, mode: str) -> None:
    frames = interpolation_frames(
        pipe, seeds=[0, 5, 9], styles=["circle"], frames=7, mode=mode, truncation=0.8
    )
    plain = pipe("circle", [0, 5, 9], truncation=0.8).tensor
    assert frames.shape == (7, *plain.shape[1:]) and frames.dtype == torch.uint8
    assert torch.equal(frames[[0, 3, 6]], plain)
    assert not torch.equal(frames[1], frames[0]) and not torch.equal(frames[1], frames[3])


def test_style_path_passes_through_each_blend(pipe: SynthesisPipeline) -> None:
    specs = ["circle", "circle=0.5,square=0.5", "square"]
    frames = interpolation_frames(pipe, seeds=[3], styles=specs, frames=5)
    for index, spec in zip([0, 2, 4], specs, strict=True):
        assert torch.equal(frames[index], pipe(spec, [3]).tensor[0])
    assert torch.equal(frames[1], pipe("circle=0.75,square=0.25", [3]).tensor[0])


def test_style_wheel_visits_every_style_once_per_loop(pipe: SynthesisPipeline) -> None:
    frames = style_wheel(pipe, seed=3, steps=3)
    assert len(frames) == 3 * len(pipe.style_names)
    assert torch.equal(frames[0], pipe("circle", [3]).tensor[0])
    assert torch.equal(frames[3], pipe("square", [3]).tensor[0])
    assert torch.equal(frames, style_wheel(pipe, seed=3, steps=3))


@pytest.mark.skipif(not webp_animation_supported(), reason="Pillow without animated WebP")
def test_webp_with_repeated_blend_keypoints(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "styles.webp"
    blend = "circle=0.5,square=0.5"
    args = ("--styles", "circle", "--styles", blend, "--styles", "square", "--seed", "3")
    assert _interpolate(model, *args, "--frames", "5", "--out", out, "--json") == 0
    assert json.loads(capsys.readouterr().out)["keypoints"] == ["circle", blend, "square"]
    with Image.open(out) as webp:
        assert (webp.n_frames, webp.size) == (5, (16, 16))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "0,5", "--styles", "circle,square"], "not several of both"),
        (["--seeds", "0,5", "--style", "circle", "--frames", "1"], "--frames 1"),
        (["--seeds", "0,5", "--style", "nope"], "unknown style 'nope'"),
        (["--styles", "circle,square=1", "--seed", "2"], "repeat --styles"),
        (["--wheel", "--seed", "2", "--frames", "3"], "multiple of the 2 styles"),
        (["--seeds", "0,5", "--style", "circle", "--out", "a.avi"], "end the name in .gif"),
    ],
)
def test_mistakes_are_one_line_errors(
    model: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert _interpolate(model, *args) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1


@pytest.mark.skipif(mp4_supported(), reason="imageio-ffmpeg is installed")
def test_mp4_without_ffmpeg_names_the_packages(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--seeds", "0,5", "--style", "circle", "--out", tmp_path / "a.mp4")
    assert _interpolate(model, *args) == 2
    assert "pip install imageio imageio-ffmpeg" in capsys.readouterr().err
    assert not (tmp_path / "a.mp4").exists()
