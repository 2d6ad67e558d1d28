"""What a trained model does with style: a page of four measured analyses.

    pipe = SynthesisPipeline.from_pretrained("runs/<id>/model")
    folder = StyleFolder.open(root, DataConfig(size=64, channels=1))
    report = explain_model(pipe, folder, "runs/<id>/model/explain")
    report["layers"]["sentence"]

The analyses share one judge (the style classifier trained on the model's dataset, as in
`polystyle evaluate`) and one seed, so a page is reproducible and two models explained on
the same dataset are compared by the same yardstick.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch

from polystyle.data import StyleFolder
from polystyle.errors import ConfigError
from polystyle.explain import directions, layers, strength, style_map
from polystyle.explain.page import save_png, write_page
from polystyle.metrics.style_accuracy import classifier_for
from polystyle.pipelines import SynthesisPipeline

REPORT_FORMAT = 1


@dataclass(frozen=True)
class ExplainSettings:
    """Sample counts: the defaults run in well under a minute for a 64 px cpu-64 model on two
    CPU cores; raise them for smoother numbers."""

    truncation: float = 1.0
    map_codes_per_style: int = 64  # codes averaged into each style's mean; they fix the axes
    map_samples_per_style: int = 12  # of those, drawn as dots
    layer_seeds: int = 16
    layer_max_pairs: int = 12  # ordered style pairs (A, B); a seeded choice when there are more
    directions: int = 5

    def __post_init__(self) -> None:
        if not 0.0 <= self.truncation <= 1.0:
            raise ConfigError(f"truncation={self.truncation}: use a value in [0, 1]")
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name != "truncation" and (not isinstance(value, int) or value < 1):
                raise ConfigError(f"{field.name}={value!r}: use a whole number >= 1")


def pick_styles(
    style_names: list[str], style_a: str | None, style_b: str | None
) -> tuple[str, str] | None:
    """The (A, B) pair to sweep: the given names, else the first two styles; None for a
    one-style model."""
    for flag, name in (("--style-a", style_a), ("--style-b", style_b)):
        if name is not None and name not in style_names:
            raise ConfigError(
                f"{flag} {name!r}: unknown style; this model has: {', '.join(style_names)}"
            )
    if len(style_names) < 2:
        return None
    a = style_a or next(n for n in style_names if n != style_b)
    b = style_b or next(n for n in style_names if n != a)
    if a == b:
        raise ConfigError(f"--style-a and --style-b are both {a!r}; name two different styles")
    return a, b


def explain_model(
    pipe: SynthesisPipeline,
    folder: StyleFolder,
    out_dir: str | Path,
    seed: int = 0,
    style_a: str | None = None,
    style_b: str | None = None,
    settings: ExplainSettings | None = None,
    extra_points: Mapping[str, torch.Tensor] | None = None,
) -> dict[str, Any]:
    """Run the four analyses, write their PNGs, `index.html` and `explain.json` into
    `out_dir`, and return the report (the JSON's content). `folder` is the dataset the model
    was trained on: the judge learns the styles from it. `extra_points` maps a label to
    per-layer codes (`pipe.codes(...)`) to place on the style-space map."""
    settings = settings or ExplainSettings()
    out = Path(out_dir)
    if folder.style_names != pipe.style_names:
        raise ConfigError(
            f"--data {folder.root}: its styles {folder.style_names} differ from the model's "
            f"{pipe.style_names}; pass the dataset the model was trained on"
        )
    pair = pick_styles(pipe.style_names, style_a, style_b)
    judged = classifier_for(folder)
    judge = judged.model
    truncation = settings.truncation

    mapped = style_map.style_map(
        pipe,
        seed,
        settings.map_codes_per_style,
        settings.map_samples_per_style,
        truncation,
        extra_points,
    )
    save_png(style_map.render_style_map(mapped), out / "style_map.png")

    if pair is None:
        sweep_json = strength.skipped_json("the model has one style, nothing to blend", seed)
    else:
        sweep = strength.strength_sweep(pipe, judge, *pair, seed, truncation)
        save_png(strength.render_strength(sweep), out / "strength.png")
        sweep_json = sweep.to_json("strength.png")

    reason = layers.skip_reason(pipe)
    if reason is not None:
        layers_json = layers.skipped_json(reason)
    else:
        attribution = layers.layer_attribution(
            pipe,
            judge,
            seed,
            settings.layer_seeds,
            settings.layer_max_pairs,
            truncation,
            judged.mean_real_accuracy,
        )
        images = {"judge": "layers_judge.png", "features": "layers_features.png"}
        save_png(layers.render_bars(attribution, "delta_p"), out / images["judge"])
        save_png(layers.render_bars(attribution, "feature_distance"), out / images["features"])
        layers_json = attribution.to_json(images)

    style = pair[0] if pair else pipe.style_names[0]
    moved = directions.direction_sweep(pipe, judge, style, seed, settings.directions, truncation)
    save_png(directions.render_directions(moved), out / "directions.png")

    report = {
        "format_version": REPORT_FORMAT,
        "model": {
            "run": pipe.meta.get("training", {}).get("run"),
            "architecture": pipe.meta["architecture"],
            "size": pipe.meta["image"]["size"],
            "channels": pipe.meta["image"]["channels"],
            "styles": list(pipe.style_names),
            "num_ws": pipe.generator.num_ws,
        },
        "data": str(folder.root),
        "seed": seed,
        "settings": asdict(settings),
        "judge": {
            "real_test_accuracy": {k: round(v, 6) for k, v in judged.real_test_accuracy.items()},
            "mean_real_accuracy": round(judged.mean_real_accuracy, 6),
        },
        "style_map": mapped.to_json("style_map.png"),
        "strength": sweep_json,
        "layers": layers_json,
        "directions": moved.to_json("directions.png"),
    }
    write_page(report, out)
    return report


__all__ = ["ExplainSettings", "explain_model", "pick_styles"]
