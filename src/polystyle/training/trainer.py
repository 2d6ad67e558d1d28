"""The adversarial training loop.

One step = one D update on a batch of real images and as many fakes, then one G update.
Every random draw (batch indices, z, augmentation, penalty interpolates) comes from one
`torch.Generator` whose state is checkpointed, so a resumed run continues bit for bit.
"""

from __future__ import annotations

import copy
import math
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import torch
import torch.nn.functional as F

from polystyle.augment import build_augment
from polystyle.config.run import RunConfig
from polystyle.data import StyleFolder
from polystyle.devices import autocast_dtype, pick_device
from polystyle.errors import ConfigError
from polystyle.losses import (
    adc_style_loss,
    content_consistency_loss,
    get_loss,
    gradient_penalty,
    mode_seeking_loss,
    r1_penalty,
    style_margin_loss,
)
from polystyle.models import Discriminator, DiscriminatorConfig, build_generator, one_hot
from polystyle.models.encoder import StyleEncoder, StyleEncoderConfig
from polystyle.models.folder import save_model_folder
from polystyle.nn.layers import minibatch_group_size
from polystyle.sampling.grids import make_grid
from polystyle.sampling.images import to_float, to_uint8
from polystyle.sampling.seeds import z_from_seeds
from polystyle.training.callbacks import JsonLines, Progress, TensorBoard, loss_curve
from polystyle.training.checkpoint import (
    Checkpoint,
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from polystyle.training.ema import ema_beta, update_ema
from polystyle.training.state import TrainState

SAMPLE_SEED_BASE = 10_000  # fixed seeds of the sample grids, far from users' usual 0..N
STYLE_LOSS_BETA = 0.98  # per-step decay of the running per-style losses (style_sampling=hard)


class Trainer:
    def __init__(
        self,
        config: RunConfig,
        folder: StyleFolder,
        run_dir: Path,
        stream: TextIO | None = None,
    ) -> None:
        self.config = config
        self.folder = folder
        self.run_dir = Path(run_dir)
        self.device = pick_device(config.train.device)
        self.autocast = autocast_dtype(config.train.precision, self.device)
        torch.set_num_threads(config.train.threads or os.cpu_count() or 1)
        num_styles = len(folder.styles)
        spec = {"size": folder.size, "channels": folder.channels, "num_styles": num_styles}
        torch.manual_seed(config.train.seed)
        self._build_networks(spec)
        self.state = TrainState()
        self.rng = torch.Generator().manual_seed(config.train.seed)
        self.loss = get_loss(config.loss.name)
        self.augment = build_augment(config.augment)
        train = folder.indices("train") or list(range(len(folder)))
        order = sorted(train, key=lambda i: int(folder.labels[i]))
        self.train_order = order  # position in self.images -> index in the folder
        self.images = folder.images[order].to(self.device)
        self.labels = folder.labels[order].to(self.device)
        counts = torch.bincount(self.labels.cpu(), minlength=num_styles)
        self.style_counts = counts
        self.style_starts = torch.cumsum(counts, 0) - counts
        self.present_styles = torch.nonzero(counts, as_tuple=True)[0]
        self.num_styles = num_styles
        self.z_dim = self.G.config.z_dim
        self.ema_beta = ema_beta(config.train.batch, config.train.ema_kimg)
        self.checkpoints = self.run_dir / "checkpoints"
        self.metrics = JsonLines(self.run_dir / "metrics.jsonl")
        self.events = JsonLines(self.run_dir / "events.jsonl")
        self.progress = Progress(stream)
        self.tensorboard = (
            TensorBoard(self.run_dir / "tensorboard") if config.train.tensorboard else None
        )
        self._stop_reason: str | None = None
        self._last_checkpoint_time = time.monotonic()

    def _build_networks(self, spec: dict[str, int]) -> None:
        """G, D, the optional style encoder E, the EMA copy of G and their optimizers."""
        config = self.config
        self.G = build_generator(config.model.architecture, {**config.model.generator, **spec})
        d_keys = dict(config.model.discriminator)
        if config.loss.style_class_fakes:
            d_keys["fake_style_classes"] = True
        self.D = Discriminator(DiscriminatorConfig(**spec, **d_keys))
        self.E = self._encoder(spec) if config.loss.style_reconstruction_weight > 0 else None
        self.layout_params = self.G.layout_parameters()
        if config.loss.style_class_layout_free and not self.layout_params:
            raise ConfigError(
                "loss.style_class_layout_free needs style-free layout layers: add "
                "--set model.generator.layout_resolution=8 (stylegan-lite)"
            )
        self._place_networks()

    def _encoder(self, spec: dict[str, int]) -> StyleEncoder:
        config = StyleEncoderConfig(
            **spec, embedding_dim=self.G.embedding_dim, **self.config.model.encoder
        )
        return StyleEncoder(config)

    def _place_networks(self) -> None:
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        for module in (self.G, self.D, self.G_ema, self.E):
            if module is not None:
                module.to(self.device)
        self.opt_g = self._adam(self.G, self.config.optim.g_lr)
        self.opt_d = self._adam(self.D, self.config.optim.d_lr)
        self.opt_e = self._adam(self.E, self.config.optim.g_lr) if self.E is not None else None

    # -- state ---------------------------------------------------------------------------

    def _adam(self, module: torch.nn.Module, lr: float) -> torch.optim.Adam:
        optim = self.config.optim
        return torch.optim.Adam(
            module.parameters(), lr=lr, betas=(optim.beta1, optim.beta2), eps=optim.eps
        )

    def _checkpoint(self) -> Checkpoint:
        modules = {"G": self.G, "D": self.D, "G_ema": self.G_ema}
        optimizers = {"opt_g": self.opt_g, "opt_d": self.opt_d}
        if self.E is not None and self.opt_e is not None:
            modules["E"], optimizers["opt_e"] = self.E, self.opt_e
        return Checkpoint(
            modules=modules,
            optimizers=optimizers,
            generators={"trainer": self.rng},
            state=self.state,
        )

    def save(self) -> Path:
        path = save_checkpoint(
            self.checkpoints, self._checkpoint(), self.config.train.keep_checkpoints
        )
        self._last_checkpoint_time = time.monotonic()
        self.event("checkpoint", path=str(path))
        return path

    def resume(self) -> None:
        load_checkpoint(self.checkpoints, self._checkpoint())
        self._set_lr_scale(self.state.lr_scale)
        self.event("resume", step=self.state.step, kimg=self.state.kimg)

    def _lr_decay(self) -> float:
        """The `optim.decay_from` schedule's factor at the images seen so far."""
        start = self.config.optim.decay_from
        progress = self.state.images_seen / (self.config.train.kimg * 1000)
        if progress <= start:
            return 1.0
        return max(0.0, (1 - progress) / (1 - start))

    def _set_lr_scale(self, scale: float) -> None:
        pairs = [(self.opt_g, self.config.optim.g_lr), (self.opt_d, self.config.optim.d_lr)]
        if self.opt_e is not None:
            pairs.append((self.opt_e, self.config.optim.g_lr))
        for optimizer, base in pairs:
            for group in optimizer.param_groups:
                group["lr"] = base * scale

    def event(self, kind: str, **fields: Any) -> None:
        self.events.write({"time": time.time(), "event": kind, "step": self.state.step, **fields})

    # -- one step ------------------------------------------------------------------------

    def _real_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch whose minibatch-std groups each hold one style.

        The discriminator's minibatch-std layer groups samples i, i + B/g, i + 2B/g, ...; the
        labels repeat with period B/g so each group shares a style, and the statistic measures
        diversity *within* a style, which is what exposes per-style mode collapse.
        """
        batch = self.config.train.batch
        group = minibatch_group_size(self.D.config.mbstd_group, batch)
        labels = self._draw_styles(batch // group).repeat(group)
        offsets = (torch.rand(batch, generator=self.rng) * self.style_counts[labels]).long()
        index = (self.style_starts[labels] + offsets).to(self.device)
        return to_float(self.images[index]), self.labels[index]

    def _draw_styles(self, slots: int) -> torch.Tensor:
        """`slots` style labels: uniform over the styles present, or, with
        train.style_sampling=hard, tilted toward the styles G renders least faithfully."""
        losses = self.state.style_losses
        present = self.present_styles
        if self.config.train.style_sampling != "hard" or not losses or len(present) < 2:
            return present[torch.randint(len(present), (slots,), generator=self.rng)]
        difficulty = torch.tensor(losses, dtype=torch.float64)[present]
        share = difficulty / difficulty.sum()
        probs = 0.5 / len(present) + 0.5 * share
        return present[torch.multinomial(probs, slots, replacement=True, generator=self.rng)]

    def _track_style_losses(self, per_sample: torch.Tensor, labels: torch.Tensor) -> None:
        """Running per-style mean of G's style-classification loss (train.style_sampling=hard).
        The first batch seeds every style with its mean; later batches update the styles
        they hold, each with a ~100-step memory. Non-finite values (a step the NaN guard
        skips) are left out, so they cannot poison the draws."""
        if self.config.train.style_sampling != "hard":
            return
        per_sample = per_sample.detach().float().cpu()
        finite = torch.isfinite(per_sample)
        per_sample, labels = per_sample[finite], labels.cpu()[finite]
        if per_sample.numel() == 0:
            return
        if not self.state.style_losses:
            self.state.style_losses = [float(per_sample.mean())] * self.num_styles
        losses = self.state.style_losses
        for style in labels.unique().tolist():
            observed = float(per_sample[labels == style].mean())
            losses[style] = observed + STYLE_LOSS_BETA * (losses[style] - observed)

    def _z(self) -> torch.Tensor:
        return torch.randn(self.config.train.batch, self.z_dim, generator=self.rng).to(self.device)

    def _aug(self, x: torch.Tensor) -> torch.Tensor:
        return self.augment(x, self.rng) if self.augment else x

    def train_step(self) -> dict[str, float]:
        """One D and one G update, at `train.precision`; a non-finite loss skips that update
        (returns NaN for it)."""
        self._set_lr_scale(self.state.lr_scale * self._lr_decay())
        with torch.autocast(self.device.type, self.autocast, enabled=self.autocast is not None):
            return self.updates()

    def updates(self) -> dict[str, float]:
        """The updates of one step (the architecture's losses), called by `train_step`."""
        cfg = self.config
        real, labels = self._real_batch()
        real_labels = labels
        styles = one_hot(labels, self.num_styles)
        z = self._z()

        self.D.requires_grad_(True)
        with torch.no_grad():
            fake = self.G(z, styles)
        real_aug, fake_aug = self._aug(real), self._aug(fake)
        real_features = self.D.features(real_aug)
        d_real, real_cls = (
            self.D.claim_logits(real_features, labels),
            self.D.style_head(real_features),
        )
        fake_features = self.D.features(fake_aug)
        d_fake = self.D.claim_logits(fake_features, labels)
        d_loss = self.loss.d_loss(d_real, d_fake)
        d_total = d_loss
        d_mismatch = torch.tensor(math.nan)
        if cfg.loss.mismatch_weight > 0 and self.num_styles > 1:
            d_mismatch = self.loss.d_fake_loss(
                self.D.claim_logits(real_features, self._other_styles(labels))
            )
            d_total = d_total + cfg.loss.mismatch_weight * d_mismatch
        cls_weight = cfg.loss.style_class_weight
        d_cls = F.cross_entropy(real_cls, labels)
        if cfg.loss.style_class_fakes:
            fake_cls = self.D.style_head(fake_features)
            d_cls = d_cls + F.cross_entropy(fake_cls, labels + self.num_styles)
        if cls_weight > 0:
            d_total = d_total + cls_weight * d_cls
        if self.loss.needs_gradient_penalty:
            gp = gradient_penalty(self.D, real_aug, fake_aug, labels, self.rng)
            d_total = d_total + cfg.loss.gp_weight * gp
        r1, d_total = self._with_lazy_r1(d_total, real, labels)
        d_ok = self._update(self.opt_d, d_total)

        self.D.requires_grad_(False)
        # Two halves with the same styles and different z: the mode-seeking pairs.
        half = cfg.train.batch // 2
        labels = torch.cat([labels[:half], labels[:half]])
        styles = one_hot(labels, self.num_styles)
        z = self._z()
        fake = self.G(z, styles)
        g_logit, g_cls_logits = self.D.judge(self._aug(fake), labels)
        g_loss = self.loss.g_loss(g_logit)
        real_style_logits = g_cls_logits[:, : self.num_styles]
        g_cls_each = F.cross_entropy(real_style_logits, labels, reduction="none")
        self._track_style_losses(g_cls_each, labels)
        g_ce = g_cls_each.mean()
        g_cls = g_ce
        if cfg.loss.style_class_margin > 0:
            g_cls = style_margin_loss(real_style_logits, labels, cfg.loss.style_class_margin)
            g_cls = g_cls.mean()
        if cfg.loss.style_class_fakes:
            g_cls = adc_style_loss(g_cls_logits, labels).mean()
        g_ms = mode_seeking_loss(
            fake[:half],
            fake[half : 2 * half],
            z[:half],
            z[half : 2 * half],
            cfg.loss.diversity_pool,
        )
        g_total = g_loss
        if cls_weight > 0:
            g_total = g_total + cls_weight * g_cls
        if cfg.loss.diversity_weight > 0:
            g_total = g_total + cfg.loss.diversity_weight * g_ms
        g_content = torch.tensor(math.nan)
        if self._content_consistency_step():
            restyled = self.G(z[:half], one_hot(self._other_styles(labels[:half]), self.num_styles))
            g_content = content_consistency_loss(fake[:half], restyled)
            weight = cfg.loss.content_consistency_weight * cfg.loss.content_consistency_interval
            g_total = g_total + weight * g_content
        e_losses = self._encoder_losses(fake, styles, real, real_labels)
        if e_losses is not None:
            weight = cfg.loss.style_reconstruction_weight * cfg.loss.encoder_interval
            g_total = g_total + weight * (e_losses[0] + e_losses[1])
            assert self.opt_e is not None
            self.opt_e.zero_grad(set_to_none=True)
        withheld = []
        if cfg.loss.style_class_layout_free and cls_weight > 0 and torch.isfinite(g_total):
            withheld = gradients_of(cls_weight * g_cls, self.layout_params)
        g_ok = self._update(self.opt_g, g_total, withheld)
        if e_losses is not None and g_ok:
            self.opt_e.step()

        self._advance()
        self.G.track_style_means(z, styles, labels)
        return {
            **self._adversarial_record(d_loss, d_ok, g_loss, g_ok, d_real, d_fake, r1, d_cls),
            "d_mismatch": float(d_mismatch.detach()),
            "g_style_ce": float(g_ce.detach()),
            "g_mode_seeking": float(g_ms.detach()),
            "g_content": float(g_content.detach()),
            "style_reconstruction": float(e_losses[0].detach()) if e_losses else math.nan,
            "encoder_style_ce": float(e_losses[1].detach()) if e_losses else math.nan,
        }

    def _content_consistency_step(self) -> bool:
        loss = self.config.loss
        return (
            loss.content_consistency_weight > 0
            and self.num_styles > 1
            and self.state.step % loss.content_consistency_interval == 0
        )

    def _other_styles(self, labels: torch.Tensor) -> torch.Tensor:
        """For each label, another style drawn uniformly from the rest (seeded)."""
        shift = torch.randint(1, self.num_styles, labels.shape, generator=self.rng)
        return (labels + shift.to(labels.device)) % self.num_styles

    def _with_lazy_r1(
        self, d_total: torch.Tensor, real: torch.Tensor, labels: torch.Tensor
    ) -> tuple[float, torch.Tensor]:
        """On R1 steps (every `r1_interval`, weighted by it) adds the R1 penalty to D's loss:
        (the penalty for the log, or NaN off R1 steps; D's total loss)."""
        loss = self.config.loss
        if loss.r1_gamma <= 0 or self.state.step % loss.r1_interval != 0:
            return math.nan, d_total
        real_r1 = real.detach().requires_grad_(True)
        penalty = r1_penalty(self.D(self._aug(real_r1), labels), real_r1)
        d_total = d_total + penalty * (loss.r1_gamma / 2 * loss.r1_interval)
        return float(penalty.detach()), d_total

    def _advance(self) -> None:
        """End of a step: EMA update and counters."""
        update_ema(self.G_ema, self.G, self.ema_beta)
        self.state.step += 1
        self.state.images_seen += self.config.train.batch

    @staticmethod
    def _adversarial_record(
        d_loss: torch.Tensor,
        d_ok: bool,
        g_loss: torch.Tensor,
        g_ok: bool,
        d_real: torch.Tensor,
        d_fake: torch.Tensor,
        r1: float,
        d_cls: torch.Tensor,
    ) -> dict[str, float]:
        """The per-step numbers every trainer logs; a skipped update logs NaN."""
        return {
            "d_loss": float(d_loss.detach()) if d_ok else math.nan,
            "g_loss": float(g_loss.detach()) if g_ok else math.nan,
            "d_real": float(d_real.detach().mean()),
            "d_fake": float(d_fake.detach().mean()),
            "r1": r1,
            "d_style_ce": float(d_cls.detach()),
        }

    def _encoder_losses(
        self,
        fake: torch.Tensor,
        styles: torch.Tensor,
        real: torch.Tensor,
        real_labels: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor] | None:
        """(style reconstruction |E(x) - e_s|, E's style cross-entropy on real images), on
        encoder steps only. The reconstruction covers G's images, which also trains G
        (StarGAN v2: its images must carry their style in a form E can read back), and real
        images of known style: trained on fakes alone, E named a real reference's style right
        but returned a code off its style's embedding, so references drew the wrong style."""
        if self.E is None or self.state.step % self.config.loss.encoder_interval != 0:
            return None
        real_styles = one_hot(real_labels, self.num_styles)
        target = self.G.style_embedding(torch.cat([styles, real_styles])).detach()
        # One pass over fakes and reals together: with two passes, accumulating two weight
        # gradients per layer was not bit-reproducible on CPU, and resume must be bit-exact.
        embedding, logits = self.E(torch.cat([fake, real]).contiguous())
        reconstruction = (embedding - target).abs().mean()
        logits = logits[len(fake) :]
        return reconstruction, F.cross_entropy(logits, real_labels)

    @staticmethod
    def _update(
        optimizer: torch.optim.Optimizer,
        loss: torch.Tensor,
        withheld: list[tuple[torch.nn.Parameter, torch.Tensor]] | None = None,
    ) -> bool:
        """One optimizer step on `loss`, less the `withheld` (parameter, gradient) pairs:
        the part of `loss` those parameters must not learn from."""
        optimizer.zero_grad(set_to_none=True)
        if not torch.isfinite(loss):
            return False
        loss.backward()
        for param, grad in withheld or ():
            if param.grad is not None:
                param.grad -= grad
        optimizer.step()
        return True

    # -- the loop --------------------------------------------------------------------------

    def _done(self) -> str | None:
        train = self.config.train
        if self._stop_reason:
            return self._stop_reason
        if self.state.images_seen >= train.kimg * 1000:
            return "kimg reached"
        if train.minutes is not None and self.state.elapsed_seconds >= train.minutes * 60:
            return "time limit reached"
        return None

    def fit(self, max_steps: int | None = None) -> str:
        """Train until kimg, minutes, `max_steps` (tests) or a signal; returns why it stopped."""
        train = self.config.train
        handlers = self._install_signal_handlers()
        precision = "fp32" if self.autocast is None else str(self.autocast).removeprefix("torch.")
        self.event("start", kimg=self.state.kimg, device=str(self.device), precision=precision)
        window_start, window_images = time.perf_counter(), 0
        steps_run = 0
        totals: dict[str, list[float]] = {}
        try:
            while (reason := self._done()) is None:
                if max_steps is not None and steps_run >= max_steps:
                    reason = "max steps reached"
                    break
                started = time.perf_counter()
                losses = self.train_step()
                self.state.elapsed_seconds += time.perf_counter() - started
                steps_run += 1
                window_images += train.batch
                for key, value in losses.items():
                    totals.setdefault(key, []).append(value)
                if not (math.isfinite(losses["d_loss"]) and math.isfinite(losses["g_loss"])):
                    self._on_nonfinite(losses)
                else:
                    self.state.nonfinite_streak = 0
                step = self.state.step
                if step % train.log_every == 0:
                    seconds = time.perf_counter() - window_start
                    self._log(totals, window_images / max(seconds, 1e-9))
                    window_start, window_images, totals = time.perf_counter(), 0, {}
                if step % train.sample_every == 0:
                    self.write_samples()
                if (
                    step % train.checkpoint_every == 0
                    or time.monotonic() - self._last_checkpoint_time > train.checkpoint_minutes * 60
                ):
                    self.save()
        finally:
            self._restore_signal_handlers(handlers)
            if self.tensorboard is not None:
                self.tensorboard.close()
        self.save()
        self.write_samples()
        loss_curve(self.metrics.read(), self.run_dir / "loss_curve.png")
        self.event("stop", reason=reason, kimg=self.state.kimg)
        self.progress.message(
            f"stopped: {reason} at step {self.state.step} ({self.state.kimg:.1f} kimg)"
        )
        return reason

    def _log(self, totals: dict[str, list[float]], img_s: float) -> None:
        row: dict[str, Any] = {
            "step": self.state.step,
            "kimg": round(self.state.kimg, 3),
            "elapsed_s": round(self.state.elapsed_seconds, 2),
            "img_s": round(img_s, 2),
            "lr_scale": self.state.lr_scale,
            "g_lr": self.opt_g.param_groups[0]["lr"],
        }
        for key, values in totals.items():
            finite = [v for v in values if math.isfinite(v)]
            row[key] = sum(finite) / len(finite) if finite else math.nan
        row["g_grad_norm"] = _grad_norm(self.G)
        self.metrics.write(row)
        if self.tensorboard is not None:
            self.tensorboard.write(row)
        self.progress.tick(row, self.config.train.kimg, self.config.train.minutes)

    def _on_nonfinite(self, losses: dict[str, float]) -> None:
        self.state.nonfinite_streak += 1
        self.event(
            "nonfinite",
            losses={k: str(v) for k, v in losses.items()},
            streak=self.state.nonfinite_streak,
        )
        if self.state.nonfinite_streak < self.config.train.nan_patience:
            return
        if latest_checkpoint(self.checkpoints) is None:
            raise FloatingPointError(
                "training diverged (non-finite losses) before the first checkpoint; lower "
                "optim.g_lr / optim.d_lr or raise loss.r1_gamma"
            )
        rollbacks = self.state.rollbacks + 1
        scale = self.state.lr_scale * 0.5
        load_checkpoint(self.checkpoints, self._checkpoint())
        self.state.rollbacks, self.state.lr_scale, self.state.nonfinite_streak = rollbacks, scale, 0
        self._set_lr_scale(scale)
        self.event("rollback", to_step=self.state.step, lr_scale=scale)
        self.progress.message(
            f"non-finite losses: rolled back to step {self.state.step}, learning rate x{scale:g}"
        )

    @torch.no_grad()
    def sample_grid(self) -> torch.Tensor:
        """`samples_per_style` fixed seeds per style, one row per style, from the EMA G."""
        per = self.config.train.samples_per_style
        z = z_from_seeds(range(SAMPLE_SEED_BASE, SAMPLE_SEED_BASE + per), self.z_dim)
        z = z.repeat(self.num_styles, 1).to(self.device)
        labels = torch.arange(self.num_styles).repeat_interleave(per).to(self.device)
        return to_uint8(self.G_ema(z, one_hot(labels, self.num_styles)))

    def write_samples(self) -> Path:
        path = self.run_dir / "samples" / f"step-{self.state.step:08d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        make_grid(self.sample_grid(), columns=self.config.train.samples_per_style).save(path)
        self.event("samples", path=str(path))
        return path

    def training_record(self) -> dict[str, Any]:
        """What model.json records about the training that made the model."""
        return {
            "step": self.state.step,
            "kimg": round(self.state.kimg, 3),
            "run": str(self.run_dir),
            "data": str(self.folder.root),
        }

    def export(self, path: Path) -> Path:
        styles = [{"name": s.name, "description": s.description} for s in self.folder.styles]
        return save_model_folder(
            path,
            self.config.model.architecture,
            self.G_ema,
            styles,
            discriminator=self.D,
            encoder=self.E,
            extra={"training": self.training_record()},
        )

    # -- signals -------------------------------------------------------------------------

    def _install_signal_handlers(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}

        def request_stop(signum: int, _frame: Any) -> None:
            self._stop_reason = f"interrupted by {signal.Signals(signum).name}"

        return {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    @staticmethod
    def _restore_signal_handlers(handlers: dict[int, Any]) -> None:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def gradients_of(
    loss: torch.Tensor, params: list[torch.nn.Parameter]
) -> list[tuple[torch.nn.Parameter, torch.Tensor]]:
    """(parameter, d loss / d parameter) for each of `params` that `loss` reaches, keeping
    the graph for the full backward that follows."""
    grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
    return [(param, grad) for param, grad in zip(params, grads, strict=True) if grad is not None]


def _grad_norm(module: torch.nn.Module) -> float:
    norms = [p.grad.detach().norm() for p in module.parameters() if p.grad is not None]
    return float(torch.stack(norms).norm()) if norms else 0.0
