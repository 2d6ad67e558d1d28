"""Style controls on a tiny trained model: they compose, reproduce, and fail clearly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from polystyle.errors import ConfigError
from polystyle.models.base import build_generator
from polystyle.pipelines import SynthesisPipeline
from tests.e2e.test_cli import polystyle
from tests.e2e.test_train_cli import tiny_model


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model(tmp_path_factory.mktemp("controls"))


@pytest.fixture(scope="module")
def pipe(model: Path) -> SynthesisPipeline:
    return SynthesisPipeline.from_pretrained(model, device="cpu")


def test_same_inputs_same_pixels_in_any_batch(pipe: SynthesisPipeline) -> None:
    kwargs = {"layers": "0-1:square", "directions": {0: 1.0}, "truncation": 0.8}
    both = pipe("circle=0.6,square=0.4", seeds=[3, 4], **kwargs).tensor
    alone = pipe("circle=0.6,square=0.4", seeds=[4], **kwargs).tensor
    assert torch.equal(both[1], alone[0])
    assert torch.equal(both, pipe({"circle": 3, "square": 2}, seeds=[3, 4], **kwargs).tensor)


def test_layers_mix_styles(pipe: SynthesisPipeline) -> None:
    num_ws = pipe.generator.num_ws
    circle = pipe("circle", seeds=[7]).tensor
    square = pipe("square", seeds=[7]).tensor
    everything = pipe("circle", seeds=[7], layers=f"0-{num_ws - 1}:square").tensor
    assert torch.equal(everything, square)
    coarse = pipe("circle", seeds=[7], layers="0-2:square").tensor
    assert not torch.equal(coarse, circle) and not torch.equal(coarse, square)
    ws = pipe.codes(pipe.style_weights("circle")[None], torch.zeros(1, 64), layers="0-2:square")
    assert not torch.equal(ws[0, 0], ws[0, 3]) and torch.equal(ws[0, 3], ws[0, -1])


def test_direction_sliders(pipe: SynthesisPipeline) -> None:
    base = pipe("square", seeds=[2]).tensor
    assert torch.equal(pipe("square", seeds=[2], directions={0: 0.0}).tensor, base)
    assert not torch.equal(pipe("square", seeds=[2], directions={0: 3.0}).tensor, base)
    directions = pipe.directions
    assert torch.allclose(directions.components.norm(dim=1), torch.ones(len(directions.stddev)))
    assert (directions.explained[:-1] >= directions.explained[1:]).all()
    with pytest.raises(ConfigError, match=r"directions 0\.\."):
        pipe("square", seeds=[2], directions={99: 1.0})


def test_prompt_picks_weights_and_shows_them(pipe: SynthesisPipeline) -> None:
    out = pipe(prompt="a filled round circle", seeds=[1])
    assert out.prompt is not None and next(iter(out.prompt.weights)) == "circle"
    assert sum(out.prompt.weights.values()) == pytest.approx(1.0)
    blend = pipe(out.prompt.weights, seeds=[1]).tensor
    assert torch.equal(out.tensor, blend)
    with pytest.raises(ConfigError, match="not style and prompt"):
        pipe("circle", seeds=[1], prompt="circle")
    with pytest.raises(ConfigError, match="--prompt"):
        pipe(seeds=[1])


def test_single_code_architecture_refuses_layers() -> None:
    meta = {
        "architecture": "dcgan",
        "styles": [{"name": "a"}, {"name": "b"}],
    }
    generator = build_generator("dcgan", {"size": 16, "channels": 1, "num_styles": 2}).eval()
    pipe = SynthesisPipeline(generator, meta, torch.device("cpu"))
    assert pipe("a", seeds=[0]).tensor.shape == (1, 1, 16, 16)
    with pytest.raises(ConfigError, match="per-layer mixing needs stylegan-lite"):
        pipe("a", seeds=[0], layers="0:b")


def test_cli_prompt_mix_and_grid_axes(model: Path, tmp_path: Path) -> None:
    out = tmp_path / "gen"
    prompted = polystyle(
        "generate",
        str(model),
        "--prompt",
        "square box",
        "--seeds",
        "0-1",
        "--out",
        str(out),
        "--json",
    )
    assert prompted.returncode == 0, prompted.stderr
    result = json.loads(prompted.stdout)
    assert next(iter(result["prompt"]["weights"])) == "square" and len(result["files"]) == 2
    mixed = polystyle(
        "mix",
        str(model),
        "--weights",
        "circle=0.5,square=0.5",
        "--layers",
        "0-2:square",
        "--seeds",
        "0-2",
        "--out",
        str(out),
        "--json",
    )
    assert mixed.returncode == 0, mixed.stderr
    assert len(json.loads(mixed.stdout)["files"]) == 3
    grid = polystyle(
        "generate",
        str(model),
        "--seeds",
        "0-2",
        "--grid",
        "--grid-axes",
        "seed,style",
        "--out",
        str(out),
        "--json",
    )
    sheet = Image.open(json.loads(grid.stdout)["files"][0])
    assert sheet.size == (2 * 18 + 2, 3 * 18 + 2)  # 3 seed rows x 2 style columns of 16 px
    info = polystyle("info", str(model))
    assert "style layers for --layers" in info.stdout


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--direction", "zero=1"], "index=sigmas"),
        (["--style", "circle", "--prompt", "x"], "not both"),
        (["--style", "circle=-1"], ">= 0"),
        (["--layers", "0-99:square"], "style layers"),
        (["--prompt", "round", "--temperature", "0"], "--temperature"),
    ],
)
def test_cli_control_errors(model: Path, tmp_path: Path, flags: list[str], message: str) -> None:
    bad = polystyle("generate", str(model), "--out", str(tmp_path), *flags)
    assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr


def test_reference_images_through_the_style_encoder(
    pipe: SynthesisPipeline, model: Path, tmp_path: Path
) -> None:
    assert pipe.encoder is not None
    glyph = Image.new("RGBA", (40, 30), (0, 0, 0, 0))  # odd size, transparent: decoded as data
    glyph.paste((0, 0, 0, 255), (10, 5, 30, 25))
    path = tmp_path / "ref.png"
    glyph.save(path)
    out = pipe(reference=path, seeds=[1, 2])
    assert out.tensor.shape == (2, 1, 16, 16) and out.styles == ["reference", "reference"]
    assert torch.equal(out.tensor, pipe(reference=glyph, seeds=[1, 2]).tensor)
    embedding, probabilities = pipe.encode_reference([path])
    assert embedding.shape == (1, pipe.generator.embedding_dim)
    assert probabilities.sum().item() == pytest.approx(1.0)
    assert torch.allclose(embedding, pipe.generator.style_embedding(probabilities))
    raw, raw_probabilities = pipe.encode_reference([path], code="encoder")
    assert torch.equal(raw_probabilities, probabilities)
    assert not torch.allclose(raw, embedding)
    beyond = pipe(reference=path, seeds=[1, 2], reference_code="encoder")
    assert not torch.equal(beyond.tensor, out.tensor)
    with pytest.raises(ConfigError, match="reference code 'raw': use blend or encoder"):
        pipe(reference=path, seeds=[1], reference_code="raw")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ConfigError, match=r"broken\.png"):
        pipe(reference=tmp_path / "broken.png", seeds=[1])
    no_encoder = SynthesisPipeline(pipe.generator, pipe.meta, pipe.device)
    with pytest.raises(ConfigError, match="no style encoder"):
        no_encoder(reference=path, seeds=[1])
    cli = polystyle(
        "generate",
        str(model),
        "--reference",
        str(path),
        "--seeds",
        "0-1",
        "--out",
        str(tmp_path / "gen"),
        "--json",
    )
    assert cli.returncode == 0, cli.stderr
    assert [Path(f).name for f in json.loads(cli.stdout)["files"]] == [
        "ref-ref-seed0000.png",
        "ref-ref-seed0001.png",
    ]
    raw_cli = polystyle(
        "generate",
        str(model),
        "--reference",
        str(path),
        "--reference-code",
        "encoder",
        "--seeds",
        "1",
        "--out",
        str(tmp_path / "raw"),
        "--json",
    )
    assert raw_cli.returncode == 0, raw_cli.stderr
    drawn = np.asarray(Image.open(json.loads(raw_cli.stdout)["files"][0]))
    assert np.array_equal(drawn, beyond.tensor[0, 0].numpy())
