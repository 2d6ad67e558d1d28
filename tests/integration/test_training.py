from __future__ import annotations

import io
import json
import math
import re
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from polystyle.config.run import load_run_config
from polystyle.data import StyleFolder
from polystyle.errors import ConfigError
from polystyle.losses.adversarial import NonSaturatingLoss
from polystyle.metrics.diversity import layout_agreement
from polystyle.models import one_hot
from polystyle.models.folder import MODEL_JSON, ModelFolderError, load_discriminator
from polystyle.pipelines import SynthesisPipeline
from polystyle.sampling.images import to_float
from polystyle.training import checkpoint as checkpoint_module
from polystyle.training.callbacks import JsonLines
from polystyle.training.checkpoint import latest_checkpoint
from polystyle.training.run import resume_run, start_run
from polystyle.training.trainer import Trainer, gradients_of
from tests.conftest import TINY_TRAIN


def tiny(*extra: str):
    return load_run_config("cpu-32", [*TINY_TRAIN, *extra])


def trained(toy_data: Path, run_dir: Path, steps: int, *extra: str) -> Trainer:
    """A tiny trainer on the toy set after `steps` steps."""
    config = tiny(*extra)
    trainer = Trainer(
        config, StyleFolder.open(toy_data, config.data), run_dir, stream=io.StringIO()
    )
    trainer.fit(max_steps=steps)
    return trainer


def all_state(run_dir: Path) -> dict[str, torch.Tensor]:
    name = latest_checkpoint(run_dir / "checkpoints")
    return load_file(str(run_dir / "checkpoints" / f"{name}.safetensors"))


@pytest.mark.parametrize(
    ("arch", "precision", "sampling"),
    [
        ("stylegan-lite", "fp32", "uniform"),
        ("dcgan", "fp32", "uniform"),
        ("stylegan-lite", "bf16", "uniform"),
        ("stylegan-lite", "fp32", "hard"),  # the running per-style losses must resume too
    ],
)
def test_resume_is_bit_exact(
    toy_data: Path, tmp_path: Path, arch: str, precision: str, sampling: str
) -> None:
    extra = [
        f"model.architecture={arch}",
        f"train.precision={precision}",
        f"train.style_sampling={sampling}",
        "loss.r1_interval=2",
        "augment.policy=translation,cutout,color",
    ]
    if arch == "dcgan":
        extra += ["model.generator={}"]
    config = tiny(*extra)
    quiet = io.StringIO()
    start_run(str(toy_data), config, tmp_path, name="straight", stream=quiet, max_steps=4)
    start_run(str(toy_data), config, tmp_path, name="split", stream=quiet, max_steps=2)
    resumed = resume_run(tmp_path / "split", stream=quiet, max_steps=2)
    assert resumed.step == 4
    straight, split = all_state(tmp_path / "straight"), all_state(tmp_path / "split")
    assert straight.keys() == split.keys()
    different = [k for k in straight if not torch.equal(straight[k], split[k])]
    assert different == [], sorted({k.split(".")[0] for k in different})
    assert any(k.startswith("opt_d.state") for k in straight)  # optimiser moments compared too


def test_bf16_autocast_trains_in_bf16_and_says_so(toy_data: Path, tmp_path: Path) -> None:
    quiet = io.StringIO()
    states = {}
    for precision in ("fp32", "bf16"):
        config = tiny(f"train.precision={precision}")
        start_run(str(toy_data), config, tmp_path, name=precision, stream=quiet, max_steps=3)
        states[precision] = all_state(tmp_path / precision)
        events = (tmp_path / precision / "events.jsonl").read_text().splitlines()
        start = json.loads(events[0])
        assert start["event"] == "start"
        assert start["precision"] == ("bfloat16" if precision == "bf16" else "fp32")
        metrics = [json.loads(line) for line in (tmp_path / precision / "metrics.jsonl").open()]
        assert all(math.isfinite(m["g_loss"]) and math.isfinite(m["d_loss"]) for m in metrics)
    weights = [k for k in states["fp32"] if k.startswith("G.")]
    assert all(states["bf16"][k].dtype == torch.float32 for k in weights)  # weights stay fp32
    assert any(not torch.equal(states["fp32"][k], states["bf16"][k]) for k in weights)


def test_tensorboard_events_hold_the_logged_scalars(toy_data: Path, tmp_path: Path) -> None:
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    )
    config = tiny("train.tensorboard=true")
    start_run(str(toy_data), config, tmp_path, name="tb", stream=io.StringIO(), max_steps=4)
    events = event_accumulator.EventAccumulator(str(tmp_path / "tb" / "tensorboard"))
    events.Reload()
    assert {"d_loss", "g_loss", "img_s"} <= set(events.Tags()["scalars"])
    logged = [row["d_loss"] for row in JsonLines(tmp_path / "tb" / "metrics.jsonl").read()]
    written = [event.value for event in events.Scalars("d_loss")]
    assert written == pytest.approx(logged)


def test_tensorboard_without_the_package_says_how_to_install(
    toy_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(ConfigError, match=r"pip install 'polystyle\[tensorboard\]'"):
        start_run(str(toy_data), tiny("train.tensorboard=true"), tmp_path, stream=io.StringIO())


def test_interrupted_checkpoint_write_keeps_the_previous_one(
    toy_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trainer = Trainer(tiny(), StyleFolder.open(toy_data, tiny().data), tmp_path / "run")
    trainer.train_step()
    trainer.save()
    before = sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir())
    trainer.train_step()

    def torn_write(path, data):
        Path(str(path) + ".partial").write_bytes(data[: len(data) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint_module, "atomic_write_bytes", torn_write)
    with pytest.raises(OSError, match="disk full"):
        trainer.save()
    monkeypatch.undo()
    (tmp_path / "run" / "checkpoints" / "step-00000002.safetensors.partial").unlink()
    assert sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir()) == before
    assert latest_checkpoint(tmp_path / "run" / "checkpoints") == "step-00000001"
    fresh = Trainer(tiny(), StyleFolder.open(toy_data, tiny().data), tmp_path / "run")
    fresh.resume()
    assert fresh.state.step == 1


def test_only_the_last_n_checkpoints_are_kept(toy_data: Path, tmp_path: Path) -> None:
    config = tiny("train.checkpoint_every=1", "train.keep_checkpoints=2")
    start_run(str(toy_data), config, tmp_path, name="r", stream=io.StringIO(), max_steps=5)
    names = sorted(p.name for p in (tmp_path / "r" / "checkpoints").glob("step-*.json"))
    assert names == ["step-00000004.json", "step-00000005.json"]


def test_non_finite_losses_skip_then_roll_back_with_lower_lr(
    toy_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tiny("train.checkpoint_every=2", "train.nan_patience=2")
    trainer = Trainer(
        config, StyleFolder.open(toy_data, config.data), tmp_path / "run", stream=io.StringIO()
    )
    trainer.fit(max_steps=2)
    real_d_loss = NonSaturatingLoss.d_loss
    calls = {"n": 0}

    def poisoned(self, real, fake):
        calls["n"] += 1
        return real_d_loss(self, real, fake) * (math.nan if calls["n"] <= 2 else 1.0)

    monkeypatch.setattr(NonSaturatingLoss, "d_loss", poisoned)
    before = {k: v.clone() for k, v in trainer.D.state_dict().items()}
    trainer.fit(max_steps=1)
    assert all(torch.equal(before[k], v) for k, v in trainer.D.state_dict().items())
    trainer.fit(max_steps=2)
    events = [
        json.loads(line) for line in (tmp_path / "run" / "events.jsonl").read_text().splitlines()
    ]
    kinds = [e["event"] for e in events]
    assert kinds.count("nonfinite") == 2 and "rollback" in kinds
    assert trainer.state.lr_scale == 0.5 and trainer.state.rollbacks == 1
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(config.optim.g_lr * 0.5)


def test_learning_rates_decay_linearly_to_zero_from_decay_from(
    toy_data: Path, tmp_path: Path
) -> None:
    # batch 8 and 0.032 kimg: 4 steps; the decay starts after 2 (images seen 16 of 32)
    trainer = trained(toy_data, tmp_path / "run", 2, "optim.decay_from=0.5", "train.kimg=0.032")
    base = trainer.config.optim
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(base.g_lr)
    trainer.fit(max_steps=1)  # step 3 starts at progress 0.5: still the full rate
    assert trainer.opt_d.param_groups[0]["lr"] == pytest.approx(base.d_lr)
    assert trainer.fit() == "kimg reached"  # step 4 starts at progress 0.75: half the rate
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(base.g_lr * 0.5)
    assert trainer.opt_d.param_groups[0]["lr"] == pytest.approx(base.d_lr * 0.5)
    rows = JsonLines(tmp_path / "run" / "metrics.jsonl").read()
    assert [row["g_lr"] for row in rows] == pytest.approx([base.g_lr, base.g_lr * 0.5])


def test_model_folder_pipeline_and_seeds(toy_data: Path, tmp_path: Path) -> None:
    result = start_run(str(toy_data), tiny(), tmp_path, name="r", stream=io.StringIO(), max_steps=3)
    meta = json.loads((result.model_dir / MODEL_JSON).read_text())
    assert meta["architecture"] == "stylegan-lite" and meta["image"] == {"size": 16, "channels": 1}
    assert [s["name"] for s in meta["styles"]] == ["circle", "square"]
    assert load_discriminator(result.model_dir) is not None
    pipe = SynthesisPipeline.from_pretrained(result.model_dir, device="cpu")
    together = pipe("circle", seeds=[3, 4, 5], truncation=0.7).tensor
    alone = pipe("circle", seeds=[4], truncation=0.7).tensor
    assert together.dtype == torch.uint8 and together.shape == (3, 1, 16, 16)
    assert torch.equal(together[1], alone[0])  # same seed, same image, any batch
    assert not torch.equal(together[0], together[1])
    blend = pipe({"circle": 1, "square": 3}, seeds=[4]).tensor
    assert torch.equal(blend, pipe("circle=0.25,square=0.75", seeds=[4]).tensor)
    mixed = pipe(["circle", "square"], seeds=[4, 4]).tensor
    assert not torch.equal(mixed[0], mixed[1])
    with pytest.raises(ConfigError, match="unknown style 'triangle'; this model has: circle"):
        pipe("triangle")
    with pytest.raises(ConfigError, match="truncation"):
        pipe("circle", truncation=1.5)
    meta["format_version"] = 99
    (result.model_dir / MODEL_JSON).write_text(json.dumps(meta))
    with pytest.raises(ModelFolderError, match="format_version 99"):
        SynthesisPipeline.from_pretrained(result.model_dir)


def test_resume_refuses_to_change_the_model(toy_data: Path, tmp_path: Path) -> None:
    start_run(str(toy_data), tiny(), tmp_path, name="r", stream=io.StringIO(), max_steps=1)
    with pytest.raises(ConfigError, match=r"cannot change model\.\*"):
        resume_run(tmp_path / "r", ["model.generator.w_dim=64"], stream=io.StringIO())
    extended = resume_run(tmp_path / "r", ["train.kimg=0.024"], stream=io.StringIO())
    assert extended.step == 3 and extended.reason == "kimg reached"


def _real_style_gap(trainer: Trainer) -> float:
    """Mean D logit of the real images under their own style minus under the other style."""
    folder = trainer.folder
    with torch.no_grad():
        features = trainer.D.features(to_float(folder.images))
        own = trainer.D.claim_logits(features, folder.labels)
        other = trainer.D.claim_logits(features, 1 - folder.labels)
    return float((own - other).mean())


def test_matching_aware_d_rejects_real_images_under_the_wrong_style(
    toy_data: Path, tmp_path: Path
) -> None:
    gaps = {}
    for weight in (0, 1):
        trainer = trained(toy_data, tmp_path / f"{weight}", 150, f"loss.mismatch_weight={weight}")
        gaps[weight] = _real_style_gap(trainer)
    assert gaps[1] > 1.0 and gaps[1] > gaps[0] + 0.3, gaps


def test_hard_style_sampling_draws_the_hardest_style_more(toy_data: Path, tmp_path: Path) -> None:
    config = load_run_config("cpu-32", [*TINY_TRAIN, "train.style_sampling=hard"])
    folder = StyleFolder.open(toy_data, config.data)
    trainer = Trainer(config, folder, tmp_path / "run", stream=io.StringIO())
    trainer.fit(max_steps=3)
    losses = trainer.state.style_losses
    assert len(losses) == 2 and all(math.isfinite(v) and v > 0 for v in losses)
    before = list(losses)
    trainer._track_style_losses(torch.tensor([math.nan, math.inf]), torch.tensor([0, 1]))
    assert trainer.state.style_losses == before  # a skipped step's NaN changes nothing
    trainer.state.style_losses = [3.0, 1.0]  # style 0 three times as hard
    draws = trainer._draw_styles(4000)
    share = float((draws == 0).float().mean())
    assert share == pytest.approx(0.5 * 0.5 + 0.5 * 0.75, abs=0.03)  # half uniform, half tilted
    uniform = load_run_config("cpu-32", TINY_TRAIN)
    plain = Trainer(uniform, folder, tmp_path / "plain", stream=io.StringIO())
    plain.state.style_losses = [3.0, 1.0]  # ignored without style_sampling=hard
    assert float((plain._draw_styles(4000) == 0).float().mean()) == pytest.approx(0.5, abs=0.03)


def test_bad_style_sampling_names_the_choices() -> None:
    with pytest.raises(
        ConfigError, match=re.escape("train.style_sampling='easy'; use uniform or hard")
    ):
        load_run_config("cpu-32", ["train.style_sampling=easy"])


def test_style_class_margin_replaces_the_style_cross_entropy_for_g(
    toy_data: Path, tmp_path: Path
) -> None:
    weights = {}
    for margin in (0, 2):
        trainer = trained(toy_data, tmp_path / f"{margin}", 3, f"loss.style_class_margin={margin}")
        weights[margin] = torch.cat([p.detach().flatten() for p in trainer.G.parameters()])
        assert torch.isfinite(weights[margin]).all()
    assert not torch.equal(weights[0], weights[2])
    with pytest.raises(ConfigError, match="style_class_margin"):
        tiny("loss.style_class_margin=-1").loss.validate()


def test_adc_classifier_names_real_and_generated_styles_apart(
    toy_data: Path, tmp_path: Path
) -> None:
    trainer = trained(
        toy_data, tmp_path / "run", 40, "loss.style_class_fakes=true", "optim.g_lr=1e-9"
    )
    num_styles = trainer.num_styles
    assert trainer.D.style_head.weight.shape[0] == 2 * num_styles
    real_side: dict[str, list[torch.Tensor]] = {"real": [], "fake": []}
    for _ in range(4):
        real, labels = trainer._real_batch()
        with torch.no_grad():
            fake = trainer.G(trainer._z(), one_hot(labels, num_styles))
            for kind, images in (("real", real), ("fake", fake)):
                probs = trainer.D.style_head(trainer.D.features(images)).softmax(1)
                real_side[kind].append(probs[:, :num_styles].sum(1))
    # With G all but still (g_lr 1e-9), 40 steps teach D's 2K-way classifier to put more of a real
    # image's probability on the real styles than of a generated one's: the split G's ADC loss
    # is measured against.
    assert torch.cat(real_side["real"]).mean() > torch.cat(real_side["fake"]).mean() + 0.2
    with pytest.raises(ConfigError, match="style_class_margin"):
        tiny("loss.style_class_fakes=true", "loss.style_class_margin=1").loss.validate()


def test_withheld_gradients_leave_only_the_other_losses_on_those_parameters() -> None:
    torch.manual_seed(0)
    a, b = torch.nn.Parameter(torch.randn(3)), torch.nn.Parameter(torch.randn(3))
    optimizer = torch.optim.SGD([a, b], lr=0.1)
    kept, other = (a * b).sum(), (a**2 + b**2).sum()
    withheld = gradients_of(other, [a])
    assert Trainer._update(optimizer, kept + other, withheld)
    # a learnt from `kept` alone (grad b), b from both (grad a + 2b), both before the step.
    b_before = b.detach() + 0.1 * b.grad
    a_before = a.detach() + 0.1 * a.grad
    assert torch.allclose(a.grad, b_before)
    assert torch.allclose(b.grad, a_before + 2 * b_before)


def test_style_loss_kept_off_the_layout_path(toy_data: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="layout_resolution"):
        trained(toy_data, tmp_path / "bad", 1, "loss.style_class_layout_free=true")
    base = ("model.generator.layout_resolution=8",)
    runs = {}
    for free in ("false", "true"):
        trainer = trained(
            toy_data, tmp_path / free, 1, *base, f"loss.style_class_layout_free={free}"
        )
        runs[free] = [p.detach().clone() for p in trainer.G.parameters()], trainer
    trainer = runs["true"][1]
    layout = {id(p) for p in trainer.G.layout_parameters()}
    changed = {
        id(p): not torch.equal(x, y)
        for p, x, y in zip(trainer.G.parameters(), runs["false"][0], runs["true"][0], strict=True)
    }
    # One step from the same seed: D's update does not depend on the option, so G's layout
    # path is the only part that learns differently (the style loss is kept off it).
    assert any(changed[i] for i in layout)
    assert not any(v for i, v in changed.items() if i not in layout)


def test_content_consistency_makes_one_z_keep_its_layout_across_styles(
    toy_data: Path, tmp_path: Path
) -> None:
    agreement = {}
    for weight in ("0", "5"):
        trainer = trained(
            toy_data, tmp_path / weight, 30, f"loss.content_consistency_weight={weight}"
        )
        z = torch.randn(32, trainer.z_dim, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            images = torch.stack([trainer.G(z, one_hot(torch.full((32,), s), 2)) for s in (0, 1)])
        agreement[weight] = layout_agreement((images.clamp(-1, 1) + 1) * 127.5, resolution=8)
        logged = [json.loads(line) for line in (tmp_path / weight / "metrics.jsonl").open()]
        content = [r["g_content"] for r in logged if "g_content" in r]
        assert content and all(math.isnan(c) == (weight == "0") for c in content)
    # The same seed; only the weight differs. Measured 0.17 without and 0.71 with.
    assert agreement["5"] > agreement["0"] + 0.3


def test_lazy_content_consistency_is_asked_every_nth_step_only(
    toy_data: Path, tmp_path: Path
) -> None:
    trained(
        toy_data,
        tmp_path,
        6,
        "loss.content_consistency_weight=1",
        "loss.content_consistency_interval=3",
        "train.log_every=1",
    )
    logged = [json.loads(line) for line in (tmp_path / "metrics.jsonl").open()]
    asked = [not math.isnan(r["g_content"]) for r in logged if "g_content" in r]
    assert asked == [True, False, False, True, False, False]


def test_a_content_consistency_interval_under_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="content_consistency_interval"):
        tiny("loss.content_consistency_interval=0")
