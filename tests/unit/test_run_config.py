import pytest

from polystyle.config import RunConfig, load_run_config, preset_names
from polystyle.config.run import apply_overrides, load_preset, resolve_preset
from polystyle.errors import ConfigError


def test_every_preset_loads_and_validates() -> None:
    translators = ["translate-64", "translate-fast-64"]
    synthesis = ["cpu-32", "cpu-64", "cpu-64-varied", "gpu-128", "gpu-256"]
    assert preset_names() == [*synthesis, *translators]
    sizes = {name: load_run_config(name).data.size for name in preset_names()}
    assert sizes == {"cpu-32": 32, "cpu-64": 64, "cpu-64-varied": 64} | {
        "gpu-128": 128,
        "gpu-256": 256,
    } | {name: 64 for name in translators}
    assert {load_run_config(name).model.architecture for name in translators} == {"stargan-lite"}
    # The fast preset is the glyph preset with the stem: nothing else may drift between them.
    glyph, fast = (load_preset(name) for name in translators)
    assert fast["model"]["generator"] == {
        **glyph["model"]["generator"],
        "stem": 4,
        "width": 32,
        "downsamples": 2,
    }
    fast["model"]["generator"] = glyph["model"]["generator"]
    assert fast == glyph


def test_the_varied_preset_is_cpu_64_with_its_composition_options_only() -> None:
    demo, varied = load_preset("cpu-64"), load_preset("cpu-64-varied")
    assert varied["model"]["generator"] == {**demo["model"]["generator"], "layout_resolution": 8}
    assert varied["model"]["discriminator"] == {
        **demo["model"]["discriminator"],
        "downsample": "before-conv1",
    }
    assert varied["loss"] == {
        **demo["loss"],
        "style_class_layout_free": True,
        "content_consistency_weight": 1.0,
        "content_consistency_interval": 4,
    }
    for part in ("generator", "discriminator"):
        varied["model"][part] = demo["model"][part]
    varied["loss"] = demo["loss"]
    assert varied == demo


def test_auto_preset_follows_the_device() -> None:
    assert resolve_preset("auto", "cpu") == "cpu-64"
    assert resolve_preset("auto", "cuda") == "gpu-128"
    assert resolve_preset("cpu-32", "cuda") == "cpu-32"


def test_overrides_are_parsed_as_yaml_and_nested() -> None:
    config = load_run_config(
        "cpu-64",
        ["train.kimg=12.5", "loss.name=hinge", "model.generator.w_dim=64", "train.minutes=null"],
    )
    assert config.train.kimg == 12.5 and config.loss.name == "hinge"
    assert config.model.generator["w_dim"] == 64 and config.train.minutes is None


def test_overrides_read_exponent_numbers_without_a_dot() -> None:
    # YAML 1.1 would leave "1e-4" a string; users write learning rates this way.
    config = load_run_config("cpu-64", ["optim.g_lr=1e-4", "optim.d_lr=2.5E-3", "train.kimg=1e1"])
    assert (config.optim.g_lr, config.optim.d_lr, config.train.kimg) == (1e-4, 2.5e-3, 10.0)
    assert apply_overrides({}, ["loss.paired_source=1e-4x"]) == {"loss": {"paired_source": "1e-4x"}}


def test_yaml_round_trip_is_lossless() -> None:
    import yaml

    config = load_run_config("cpu-32", ["augment.policy=color"])
    assert RunConfig.from_dict(yaml.safe_load(config.to_yaml())) == config


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["train.kmg=3"], "unknown key.*kmg in train; valid: batch"),
        (["trian.kimg=3"], "unknown key.*trian in config"),
        (["train.batch=1"], r"train\.batch=1"),
        (["optim.g_lr=0"], r"optim\.g_lr"),
        (["train.device=tpu"], r"train\.device"),
        (["train.precision=fp16"], r"train\.precision=.fp16.*fp32, bf16, auto"),
        (["kimg=3"], "section.key=value"),
        (["data.size=9"], "--size"),
        (["train.batch=many"], r"train\.batch='many': expected an integer"),
        (["train.tensorboard=maybe"], "expected true or false"),
        (["train.minutes=soon"], "expected a number or null"),
        (["model.generator=3"], r"model\.generator=3: expected a mapping"),
        (["loss.name=5"], "expected a string"),
        (["loss.diversity_pool=0"], r"loss\.diversity_pool=0; use 1 \(pixels\)"),
        (["loss.ssim_weight=-1"], r"loss\.ssim_weight.* must be >= 0"),
        (["optim.decay_from=1.5"], r"optim\.decay_from=1\.5: use a fraction"),
    ],
)
def test_bad_overrides_name_the_key(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_run_config("cpu-32", overrides)


def test_unknown_preset_lists_the_valid_ones() -> None:
    with pytest.raises(
        ConfigError, match="valid presets: cpu-32, cpu-64, cpu-64-varied, gpu-128, gpu-256"
    ):
        load_run_config("cpu-128")


def test_a_preset_file_may_extend_another_and_change_only_what_it_names(tmp_path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: cpu-64\ntrain: {batch: 16}\n", encoding="utf-8")
    config, base = load_run_config(str(mine)), load_run_config("cpu-64")
    assert config.train.batch == 16
    assert config.model == base.model and config.loss == base.loss
    loop = tmp_path / "loop.yaml"
    loop.write_text(f"extends: {loop}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="extend each other in a loop"):
        load_run_config(str(loop))
