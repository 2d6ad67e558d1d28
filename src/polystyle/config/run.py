"""The training run configuration: independent sections, loaded from a preset plus overrides.

`load_run_config("cpu-64", ["loss.name=hinge", "train.kimg=50"])` merges the preset YAML with
dotted `key=value` overrides (values parsed as YAML scalars), then validates every section;
any unknown key or bad value raises ConfigError naming it and listing what is valid.
"""

from __future__ import annotations

import dataclasses
import re
import types
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import yaml

from polystyle.config.schema import DataConfig
from polystyle.errors import ConfigError

PRESET_PACKAGE = "polystyle.config.presets"


class _ConfigLoader(yaml.SafeLoader):
    """SafeLoader that also reads `1e-4` as a number: PyYAML follows YAML 1.1, where a float
    needs a dot, so `--set optim.g_lr=1e-4` would arrive as the string "1e-4"."""


_ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_ConfigLoader)  # a SafeLoader: no arbitrary objects


@dataclass(frozen=True)
class ModelSection:
    """`architecture` picks the generator; `generator` holds that architecture's own keys;
    `encoder` sizes the style encoder (trained when loss.style_reconstruction_weight > 0)."""

    architecture: str = "stylegan-lite"
    generator: dict[str, Any] = field(default_factory=dict)
    discriminator: dict[str, Any] = field(default_factory=dict)
    encoder: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LossSection:
    name: str = "nonsaturating"
    r1_gamma: float = 0.1  # 0 disables R1
    r1_interval: int = 16  # lazy regularisation: every N D steps, scaled by N
    gp_weight: float = 10.0  # WGAN-GP only
    style_class_weight: float = 1.0  # AC-GAN style classification on D's features; 0 = off
    # > 0: G's style loss is a multi-class hinge with this logit margin instead of
    # cross-entropy, so G is not pushed past "named with margin" toward one prototype.
    style_class_margin: float = 0.0
    # ADC-GAN (Hou et al. 2022): D's style classifier has 2K classes, the K styles of real
    # images and the K styles of G's images, and G's style loss is logit(fake y) - logit(real
    # y). A G that draws one prototype per style is then named "fake y" by that very
    # prototype, so the classifier stops rewarding it; AC-GAN's optimum has no such check.
    style_class_fakes: bool = False
    # True (needs model.generator.layout_resolution > 0): G's style-classifier loss does not
    # train the layout path (the mapping layers, the 4x4 input, the layout layers), so how z
    # sets the layout is learnt from the adversarial losses alone and the classifier shapes
    # only the finer layers. Any style loss that reaches the layout path collapses it to one
    # composition per style (BENCHMARKS.md, "What collapses the composition").
    style_class_layout_free: bool = False
    # > 0: one z drawn in two styles must share its coarse structure (the Pearson correlation
    # of the two images, grey and pooled to 8x8). A style whose finer layers draw one
    # character whatever the layout says then disagrees with the styles that follow it.
    content_consistency_weight: float = 0.0
    # Lazy like R1: the agreement costs a second G pass on half the batch, so it may be asked
    # every N G steps only, scaled by N.
    content_consistency_interval: int = 1
    diversity_weight: float = 1.0  # mode-seeking loss: images must move when z moves; 0 = off
    diversity_pool: int = 1  # its image distance on images average-pooled by this factor
    # Matching-aware D (Reed et al. 2016): real images judged under a style they do not have
    # count as fakes of that style, so D's heads tell styles apart, not only real from fake.
    mismatch_weight: float = 0.0  # 0 = off
    # Style encoder E (reference images): E(G(z, s)) must return s's embedding, E's logits must
    # name real images' styles. Lazy like R1: every `encoder_interval` G steps, scaled by it.
    style_reconstruction_weight: float = 1.0  # 0 = no encoder
    encoder_interval: int = 4
    # Translation (stargan-lite) only. `pairing`: auto uses paired supervision when the data
    # has file stems shared between styles. Paired: L1 + perceptual loss to the true target;
    # unpaired: cycle consistency, and `diversity_weight` as StarGAN v2's diversity loss.
    pairing: str = "auto"
    adversarial_weight: float = 1.0  # 0 = a plain supervised translator (an ablation)
    l1_weight: float = 10.0
    perceptual_weight: float = 1.0
    ssim_weight: float = 0.0  # paired only: 1 - SSIM to the true target; 0 = off
    cycle_weight: float = 1.0
    # Paired only: the one style every training pair starts from, as zi2zi trains from one
    # source font. All steps then teach the directions `--text` uses; "" = any style.
    paired_source: str = ""

    def validate(self) -> None:
        if self.pairing not in ("auto", "paired", "unpaired"):
            raise ConfigError(f"loss.pairing={self.pairing!r}; use auto, paired or unpaired")
        weights = (
            self.r1_gamma,
            self.gp_weight,
            self.style_class_weight,
            self.style_class_margin,
            self.content_consistency_weight,
            self.diversity_weight,
            self.mismatch_weight,
            self.style_reconstruction_weight,
            self.adversarial_weight,
            self.l1_weight,
            self.perceptual_weight,
            self.ssim_weight,
            self.cycle_weight,
        )
        if (
            min(weights) < 0
            or min(self.r1_interval, self.encoder_interval, self.content_consistency_interval) < 1
        ):
            raise ConfigError(
                "loss.r1_gamma, loss.gp_weight, loss.style_class_weight, loss.style_class_margin, "
                "loss.diversity_weight, "
                "loss.mismatch_weight, "
                "loss.style_reconstruction_weight, loss.adversarial_weight, loss.l1_weight, "
                "loss.perceptual_weight, loss.ssim_weight, "
                "loss.cycle_weight must be >= 0 and loss.r1_interval, "
                "loss.encoder_interval, loss.content_consistency_interval >= 1"
            )
        if self.style_class_fakes and self.style_class_margin > 0:
            raise ConfigError(
                "loss.style_class_fakes and loss.style_class_margin are two G style losses; "
                "set one of them"
            )
        if self.diversity_pool < 1:
            raise ConfigError(
                f"loss.diversity_pool={self.diversity_pool}; use 1 (pixels) or a pooling factor "
                "such as 8 at 64 px (8x8 layouts)"
            )


@dataclass(frozen=True)
class OptimSection:
    g_lr: float = 0.002
    d_lr: float = 0.002
    beta1: float = 0.0
    beta2: float = 0.99
    eps: float = 1e-8
    # From this fraction of train.kimg on, the learning rates fall linearly to zero at
    # train.kimg (pix2pix decays over the second half: 0.5); 1.0 keeps them constant. The
    # schedule follows images seen, not time, so a --minutes run decays only if its train.kimg
    # is what the minutes buy.
    decay_from: float = 1.0

    def validate(self) -> None:
        if self.g_lr <= 0 or self.d_lr <= 0:
            raise ConfigError("optim.g_lr and optim.d_lr must be > 0")
        if not 0 <= self.decay_from <= 1:
            raise ConfigError(
                f"optim.decay_from={self.decay_from}: use a fraction of train.kimg in [0, 1] "
                "(1 = constant learning rates)"
            )
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ConfigError("optim.beta1 and optim.beta2 must be in [0, 1)")


@dataclass(frozen=True)
class AugmentSection:
    """DiffAugment policy: comma-separated ops from translation, cutout, color; "" disables."""

    policy: str = "translation,cutout"
    translation_ratio: float = 0.125
    cutout_ratio: float = 0.5


PRECISIONS = ("fp32", "bf16", "auto")
STYLE_SAMPLINGS = ("uniform", "hard")


@dataclass(frozen=True)
class TrainSection:
    batch: int = 32
    kimg: float = 100.0  # stop after this many thousand real images through D
    minutes: float | None = None  # or after this much wall time, whichever first
    seed: int = 0
    threads: int | None = None  # torch threads; None = all cores
    device: str = "auto"
    # fp32, or bf16 autocast for the forward passes (weights, optimizer and EMA stay fp32):
    # auto = bf16 where the hardware computes it natively (CPUs with AVX-512 BF16 / AMX, CUDA
    # with bf16), where convolutions run ~1.5x faster; fp32 elsewhere, where bf16 is emulated.
    precision: str = "fp32"
    ema_kimg: float = 2.0  # EMA half-life in thousands of images
    # Which style each batch slot draws. "hard": half the draws in proportion to each style's
    # running style-classification loss of G's images, so on a short budget the styles G
    # renders least faithfully get more of the steps; the other half stay uniform, so no
    # style starves. Styleless models (one style) draw uniformly either way.
    style_sampling: str = "uniform"
    log_every: int = 20  # steps per progress line / metrics row
    sample_every: int = 500  # steps per sample grid
    checkpoint_every: int = 500  # steps per checkpoint
    checkpoint_minutes: float = 5.0  # ... and at least this often in wall time
    keep_checkpoints: int = 3
    samples_per_style: int = 8
    nan_patience: int = 3  # non-finite steps in a row before rolling back
    tensorboard: bool = False  # also write metrics as TensorBoard events (optional extra)

    def validate(self) -> None:
        if self.batch < 2:
            raise ConfigError(f"train.batch={self.batch}; use 2 or more")
        if self.kimg <= 0:
            raise ConfigError(f"train.kimg={self.kimg}; use a positive number")
        if self.minutes is not None and self.minutes <= 0:
            raise ConfigError(f"train.minutes={self.minutes}; use a positive number")
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            raise ConfigError(f"train.device={self.device!r}; use auto, cpu or cuda")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"train.precision={self.precision!r}; use {', '.join(PRECISIONS)}")
        if self.style_sampling not in STYLE_SAMPLINGS:
            raise ConfigError(
                f"train.style_sampling={self.style_sampling!r}; use {' or '.join(STYLE_SAMPLINGS)}"
            )
        for name in (
            "log_every",
            "sample_every",
            "checkpoint_every",
            "keep_checkpoints",
            "samples_per_style",
            "nan_patience",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"train.{name}={getattr(self, name)}; use 1 or more")


SECTIONS: dict[str, type] = {
    "data": DataConfig,
    "model": ModelSection,
    "loss": LossSection,
    "optim": OptimSection,
    "augment": AugmentSection,
    "train": TrainSection,
}


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelSection = field(default_factory=ModelSection)
    loss: LossSection = field(default_factory=LossSection)
    optim: OptimSection = field(default_factory=OptimSection)
    augment: AugmentSection = field(default_factory=AugmentSection)
    train: TrainSection = field(default_factory=TrainSection)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunConfig:
        _check_keys("config", raw, SECTIONS)
        built = {}
        for name, section_cls in SECTIONS.items():
            values = raw.get(name) or {}
            if not isinstance(values, dict):
                raise ConfigError(f"config section {name!r} must be a mapping")
            _check_keys(name, values, {f.name: None for f in fields(section_cls)})
            _check_types(name, section_cls, values)
            try:
                section = section_cls(**values)
            except TypeError as exc:
                raise ConfigError(f"config section {name!r}: {exc}") from exc
            validate = getattr(section, "validate", None)
            if validate:
                validate()
            built[name] = section
        return cls(**built)


def _check_keys(where: str, values: dict[str, Any], valid: dict[str, Any]) -> None:
    unknown = sorted(set(values) - set(valid))
    if unknown:
        raise ConfigError(
            f"unknown key(s) {', '.join(unknown)} in {where}; valid: {', '.join(sorted(valid))}"
        )


def _check_types(where: str, section_cls: type, values: dict[str, Any]) -> None:
    """A wrong-typed value (`train.batch=many`) fails here, naming the key, rather than as
    a TypeError deep inside training."""
    hints = get_type_hints(section_cls)
    for key, value in values.items():
        if not _matches(value, hints[key]):
            raise ConfigError(f"{where}.{key}={value!r}: expected {_describe(hints[key])}")


def _matches(value: Any, hint: Any) -> bool:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_matches(value, arg) for arg in get_args(hint))
    if origin is Literal:
        return value in get_args(hint)
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    return True


def _describe(hint: Any) -> str:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in get_args(hint))
    if origin is Literal:
        return "one of " + ", ".join(map(str, get_args(hint)))
    if origin is dict or hint is dict:
        return "a mapping"
    if hint is type(None):
        return "null"
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
    return names.get(hint, getattr(hint, "__name__", str(hint)))


def preset_names() -> list[str]:
    folder = resources.files(PRESET_PACKAGE)
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_preset(name: str, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """A preset's sections. `extends: OTHER` starts from OTHER's sections and replaces only
    the keys this file names, so a variant states what it changes and cannot drift."""
    if name in _seen:
        raise ConfigError(f"presets extend each other in a loop: {' -> '.join([*_seen, name])}")
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        text = path.read_text(encoding="utf-8")
    elif name in preset_names():
        text = resources.files(PRESET_PACKAGE).joinpath(f"{name}.yaml").read_text("utf-8")
    else:
        raise ConfigError(
            f"unknown preset {name!r}; valid presets: {', '.join(preset_names())}, "
            "or a path to a .yaml file"
        )
    raw = _parse_yaml(text) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"preset {name!r} is not a mapping of sections")
    base = raw.pop("extends", None)
    if base is None:
        return raw
    if not isinstance(base, str):
        raise ConfigError(f"preset {name!r}: extends: {base!r} must name one preset")
    return _merged(load_preset(base, (*_seen, name)), raw)


def _merged(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = _deep_copy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """`section.key=value` (or `section.key.sub=value`); the value is parsed as YAML."""
    merged = _deep_copy(raw)
    for item in overrides:
        key, sep, value = item.partition("=")
        parts = key.strip().split(".")
        if not sep or len(parts) < 2 or not all(parts):
            raise ConfigError(f"--set {item!r}: use section.key=value, e.g. train.kimg=50")
        node = merged
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {item!r}: {part} is not a section")
        node[parts[-1]] = _parse_yaml(value) if value.strip() else None
    return merged


def _deep_copy(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in raw.items()}


def load_run_config(preset: str, overrides: list[str] | None = None) -> RunConfig:
    return RunConfig.from_dict(apply_overrides(load_preset(preset), overrides or []))


def resolve_preset(name: str, device: str) -> str:
    """`auto` picks the GPU preset when CUDA is used, else the CPU demo preset."""
    if name != "auto":
        return name
    return "gpu-128" if device.startswith("cuda") else "cpu-64"
