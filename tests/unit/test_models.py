from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from polystyle.errors import ConfigError, RegistryError
from polystyle.models import Discriminator, DiscriminatorConfig, build_generator, one_hot
from polystyle.models.stargan_lite import StarGANLite, StarGANLiteConfig
from polystyle.models.stylegan_lite import StyleGANLite
from polystyle.nn.layers import MinibatchStd, ModulatedConv2d
from polystyle.registry import ARCHITECTURES

TINY = {"size": 16, "num_styles": 3, "z_dim": 8}
WIDTHS = {
    "stylegan-lite": {"w_dim": 16, "channel_base": 128, "channel_max": 16},
    "dcgan": {"embed_dim": 4, "width": 8},
}


def tiny(key: str, channels: int = 1, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return build_generator(key, {**TINY, **WIDTHS[key], "channels": channels}).eval()


def inputs(batch: int = 6, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 8, generator=g), one_hot(torch.arange(batch) % 3, 3)


def test_all_architectures_are_registered() -> None:
    assert {"stylegan-lite", "dcgan", "stargan-lite"} <= set(ARCHITECTURES.keys())
    valid = "valid architectures: dcgan, stargan-lite, stylegan-lite"
    with pytest.raises(RegistryError, match=valid):
        build_generator("biggan", TINY)


@pytest.mark.parametrize("key", ["stylegan-lite", "dcgan"])
@pytest.mark.parametrize("channels", [1, 3])
def test_shapes_and_range(key: str, channels: int) -> None:
    z, s = inputs()
    with torch.no_grad():
        images = tiny(key, channels)(z, s)
    assert images.shape == (6, channels, 16, 16)
    assert torch.isfinite(images).all()
    if key == "dcgan":
        assert images.abs().max() <= 1


@pytest.mark.parametrize("key", ["stylegan-lite", "dcgan"])
def test_seeded_init_and_inputs_are_deterministic(key: str) -> None:
    z, s = inputs()
    with torch.no_grad():
        a, b = tiny(key, seed=3)(z, s), tiny(key, seed=3)(z, s)
        c = tiny(key, seed=4)(z, s)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


@pytest.mark.parametrize("key", ["stylegan-lite", "dcgan"])
def test_safetensors_round_trip_gives_identical_outputs(key: str, tmp_path: Path) -> None:
    model, fresh = tiny(key, seed=0), tiny(key, seed=9)
    save_file(model.state_dict(), str(tmp_path / "g.safetensors"))
    fresh.load_state_dict(load_file(str(tmp_path / "g.safetensors")))
    z, s = inputs()
    with torch.no_grad():
        assert torch.equal(model(z, s), fresh(z, s))


@pytest.mark.parametrize("key", ["stylegan-lite", "dcgan"])
def test_style_changes_the_image_and_blends_sit_between(key: str) -> None:
    model = tiny(key)
    z = torch.randn(1, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a = model(z, torch.tensor([[1.0, 0, 0]]))
        b = model(z, torch.tensor([[0, 1.0, 0]]))
        mid = model(z, torch.tensor([[0.5, 0.5, 0]]))
    assert (a - b).abs().mean() > 1e-3
    assert 0 < (mid - a).abs().mean() < (b - a).abs().mean() * 1.5


@pytest.mark.parametrize("key", ["stylegan-lite", "dcgan"])
def test_every_parameter_gets_a_gradient(key: str) -> None:
    model = tiny(key).train()
    z, s = inputs()
    model(z, s).square().mean().backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.any()]
    assert missing == []


def test_stylegan_truncation_pulls_toward_the_style_mean() -> None:
    model: StyleGANLite = tiny("stylegan-lite")
    assert model.num_ws == 2 * 3  # 4, 8, 16 px: two codes per resolution
    z, s = inputs(batch=30)
    labels = s.argmax(dim=1)
    with torch.no_grad():
        for _ in range(400):
            model.update_w_avg(model.mapping(torch.randn(30, 8), s), labels)
        w = model.mapping(z, s)
        far = (w - s @ model.w_avg).norm(dim=1)
        near = (model.truncate(w, s, 0.5) - s @ model.w_avg).norm(dim=1)
        collapsed = model(z[:3] * 0 + z[0], s[:3], truncation=0.0)
        same_style = model(z[[0, 3]], s[[0, 3]], truncation=0.0)
    assert torch.allclose(near, far * 0.5, atol=1e-5)
    assert torch.equal(same_style[0], same_style[1])  # psi = 0: only the style matters
    assert not torch.equal(collapsed[0], collapsed[1])


@pytest.mark.parametrize("upsample", [False, True])
def test_modulated_conv_matches_per_sample_modulated_weights(upsample: bool) -> None:
    torch.manual_seed(0)
    layer = ModulatedConv2d(4, 5, 3, w_dim=6, upsample=upsample)
    x, w = torch.randn(2, 4, 7, 7), torch.randn(2, 6)
    styles = layer.affine(w)
    # the layer scales by the style before upsampling; the reference upsamples first
    big = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False) if upsample else x
    expected = []
    for i in range(2):
        weight = layer.weight * layer.gain * styles[i][None, :, None, None]
        weight = weight * torch.rsqrt(weight.square().sum(dim=(1, 2, 3), keepdim=True) + 1e-8)
        expected.append(F.conv2d(big[i : i + 1], weight, padding=1))
    expected_t = torch.cat(expected) + layer.bias[None, :, None, None]
    assert torch.allclose(layer(x, w), expected_t, atol=1e-5)


def test_grouped_modulation_is_the_same_function() -> None:
    torch.manual_seed(0)
    fast = build_generator("stylegan-lite", {**TINY, **WIDTHS["stylegan-lite"]})
    reference = build_generator(
        "stylegan-lite", {**TINY, **WIDTHS["stylegan-lite"], "modulation": "grouped"}
    )
    reference.load_state_dict(fast.state_dict())
    z, s = inputs()
    with torch.no_grad():
        assert torch.allclose(fast(z, s), reference(z, s), atol=1e-4)


def test_minibatch_std_is_zero_for_identical_samples() -> None:
    same = torch.ones(8, 3, 4, 4)
    out = MinibatchStd(4)(same)
    assert out.shape == (8, 4, 4, 4)
    assert out[:, 3].abs().max() < 1e-3
    varied = MinibatchStd(4)(torch.randn(8, 3, 4, 4))
    assert varied[:, 3].min() > 0.1


@pytest.mark.parametrize("head", ["multi", "projection"])
@pytest.mark.parametrize("sn", [False, True])
def test_discriminator_heads_depend_on_the_label(head: str, sn: bool) -> None:
    torch.manual_seed(0)
    config = DiscriminatorConfig(
        size=16,
        channels=3,
        num_styles=3,
        channel_base=128,
        channel_max=16,
        head=head,
        spectral_norm=sn,
    )
    d = Discriminator(config)
    images = torch.randn(4, 3, 16, 16)
    a = d(images, torch.zeros(4, dtype=torch.long))
    b = d(images, torch.full((4,), 2, dtype=torch.long))
    assert a.shape == (4,) and torch.isfinite(a).all()
    assert not torch.allclose(a, b)


def test_discriminator_downsample_moves_conv1_to_the_coarser_resolution() -> None:
    spec = {"size": 16, "channels": 1, "num_styles": 2, "channel_base": 128, "channel_max": 16}
    images = torch.randn(4, 1, 16, 16, generator=torch.Generator().manual_seed(1))
    labels = torch.zeros(4, dtype=torch.long)
    conv1_sizes, logits, shapes = {}, {}, {}
    for mode in ("after-convs", "before-conv1"):
        torch.manual_seed(0)
        d = Discriminator(DiscriminatorConfig(**spec, downsample=mode))
        d.blocks[0].conv1.register_forward_pre_hook(
            lambda _module, args, mode=mode: conv1_sizes.__setitem__(mode, args[0].shape[-1])
        )
        logits[mode] = d(images, labels)
        shapes[mode] = {key: value.shape for key, value in d.state_dict().items()}
    assert conv1_sizes == {"after-convs": 16, "before-conv1": 8}
    assert shapes["after-convs"] == shapes["before-conv1"]  # one checkpoint fits both
    assert not torch.allclose(logits["after-convs"], logits["before-conv1"])
    with pytest.raises(ConfigError, match=r"discriminator\.downsample"):
        DiscriminatorConfig(**spec, downsample="strided")


def test_bad_model_configs_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"model\.size=48"):
        build_generator("dcgan", {"size": 48})
    with pytest.raises(ConfigError, match="unknown DCGANConfig key"):
        build_generator("dcgan", {"size": 16, "depth": 3})
    with pytest.raises(ConfigError, match=r"discriminator\.head"):
        DiscriminatorConfig(head="patch")


def tiny_translator(channels: int = 1, stem: int = 1, residual: bool = False) -> StarGANLite:
    config = StarGANLiteConfig(
        size=16,
        stem=stem,
        residual=residual,
        channels=channels,
        num_styles=3,
        width=8,
        channel_max=16,
        downsamples=2,
        res_blocks=1,
        z_dim=4,
        embedding_dim=8,
        style_dim=8,
    )
    return StarGANLite(config).eval()


@pytest.mark.parametrize(("channels", "stem"), [(1, 1), (3, 1), (1, 2), (3, 2)])
def test_translator_is_fully_convolutional_and_style_driven(channels: int, stem: int) -> None:
    t = tiny_translator(channels, stem)
    multiple = 4 * stem
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for module in t.modules():  # AdaIN starts as identity; give the styles some effect
            if isinstance(module, torch.nn.Linear):
                module.weight.normal_(generator=g)
        codes = t.style_code(torch.randn(2, 4, generator=g), one_hot(torch.tensor([0, 2]), 3))
        assert codes.shape == (2, 8)
        for height, width in ((16, 16), (32, 20), (8, 12)):
            height, width = height * stem, width * stem
            x = torch.rand(2, channels, height, width, generator=g) * 2 - 1
            y = t(x, codes)
            assert y.shape == x.shape and y.abs().max() <= 1
        assert not torch.allclose(y[0], t(x, codes[1:].expand(2, -1))[0])
    with pytest.raises(ValueError, match=f"multiples of {multiple}"):
        t(torch.zeros(1, channels, multiple + 2, multiple), codes[:1])


def test_residual_translator_starts_at_the_identity_and_then_learns_a_change() -> None:
    t = tiny_translator(channels=3, residual=True)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2, 3, 16, 16, generator=g) * 2 - 1
    codes = t.style_code(torch.randn(2, 4, generator=g), one_hot(torch.tensor([0, 1]), 3)).detach()
    assert torch.equal(t(x, codes), x)
    optimizer = torch.optim.Adam(t.parameters(), lr=0.01)
    for _ in range(3):
        optimizer.zero_grad()
        (t(x, codes) - (-x)).abs().mean().backward()  # toward the negative
        optimizer.step()
    y = t(x, codes)
    assert y.abs().max() <= 1 and (y - x).abs().mean() > 0.01


def test_translator_config_rejects_too_many_downsamples_and_odd_stems() -> None:
    with pytest.raises(ConfigError, match="downsamples=4 does not fit 16 px"):
        StarGANLiteConfig(size=16, downsamples=4)
    with pytest.raises(ConfigError, match="downsamples=3 does not fit 16 px with stem 2"):
        StarGANLiteConfig(size=16, stem=2, downsamples=3)
    with pytest.raises(ConfigError, match="stem=3"):
        StarGANLiteConfig(size=16, stem=3)


def test_single_rgb_output_and_tanh_keep_codes_and_bound_pixels() -> None:
    skips = tiny("stylegan-lite")
    torch.manual_seed(0)
    single = build_generator(
        "stylegan-lite",
        {**TINY, **WIDTHS["stylegan-lite"], "rgb_skips": False, "output": "tanh"},
    ).train()
    drawing = [i for i, block in enumerate(single.blocks) if block.to_rgb is not None]
    assert drawing == [len(single.blocks) - 1]
    assert single.num_ws == skips.num_ws  # per-layer mixing addresses the same layers
    z, s = inputs()
    images = single(z, s * 50)
    assert images.shape == (6, 1, 16, 16)
    assert images.abs().max() <= 1
    images.square().mean().backward()
    missing = [n for n, p in single.named_parameters() if p.grad is None or not p.grad.any()]
    assert missing == []
    with pytest.raises(ConfigError, match=r"generator\.output='sigmoid'"):
        build_generator("stylegan-lite", {**TINY, "output": "sigmoid"})


def test_layout_layers_take_the_noise_alone_and_keep_one_code_per_sample() -> None:
    torch.manual_seed(0)
    g = build_generator(
        "stylegan-lite", {**TINY, **WIDTHS["stylegan-lite"], "layout_resolution": 8}
    ).eval()
    assert g.layout_ws == sum(r <= 8 for r in g.layer_resolutions()) > 0
    z, s = inputs()
    other = one_hot(torch.full((6,), 2), 3)
    code, moved = g.style_code(z, s), g.style_code(z, other)
    assert code.shape == (6, 2 * 16)
    ws, ws_moved = g.layer_ws(code), g.layer_ws(moved)
    assert ws.shape == (6, g.num_ws, 16)
    coarse = slice(0, g.layout_ws)
    assert torch.equal(ws[:, coarse], ws_moved[:, coarse])  # the style leaves the layout alone
    assert not torch.allclose(ws[:, g.layout_ws :], ws_moved[:, g.layout_ws :])
    g.track_style_means(z, s, torch.arange(6) % 3)
    with torch.no_grad():
        assert g(z, s, truncation=0.5).shape == (6, 1, 16, 16)
    with pytest.raises(ConfigError, match="layout_resolution=6"):
        build_generator("stylegan-lite", {**TINY, "layout_resolution": 6})


def test_layout_parameters_are_the_noise_to_layout_path() -> None:
    g = build_generator(
        "stylegan-lite", {**TINY, **WIDTHS["stylegan-lite"], "layout_resolution": 8}
    )
    layout = {id(p) for p in g.layout_parameters()}
    named = dict(g.named_parameters())
    in_layout = sorted(n for n, p in named.items() if id(p) in layout)
    assert len(layout) == len(in_layout) > 0
    assert all(
        n.startswith(("mapping.layers.", "project.", "blocks.0.", "blocks.1.")) for n in in_layout
    )
    assert any(n.startswith("blocks.1.") for n in in_layout)  # the 8 px block
    assert id(named["mapping.embedding"]) not in layout  # the layout code never sees the style
    assert not any(id(p) in layout for p in g.blocks[2].parameters())  # 16 px: styled
    plain = build_generator("stylegan-lite", {**TINY, **WIDTHS["stylegan-lite"]})
    assert plain.layout_parameters() == []
