"""Training the translator T(x, s) (stargan-lite): the same loop, checkpoints and run folder
as the synthesis Trainer, a different step.

Each step draws source images and a target style per sample. Half the target codes come
from the target's label embedding (latent-guided), half from the style encoder reading a
random real image of the target style (reference-guided), so both routes land in one code
space. Then:
- **paired** (file stems shared between styles, e.g. one character in two fonts): the true
  target image supervises T with L1, a perceptual loss and optionally SSIM; a source may be
  "translated" to its own style, which teaches T that its own style code means "leave it as
  it is" — what `strength=0` relies on. With `loss.paired_source` every pair starts from
  that one style (the font text is typed in), so no step is spent on directions never used;
- **unpaired**: cycle consistency T(T(x, s_t), E(x)) ≈ x and StarGAN v2's diversity loss
  (two noise vectors must give two different images).
Both add the adversarial loss with D's head for the target style, D's style classification,
and style reconstruction: E(T(x, s)) must return the target embedding.
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
import torch.nn.functional as F

from polystyle.errors import ConfigError
from polystyle.losses import mode_seeking_loss
from polystyle.losses.perceptual import perceptual_distance
from polystyle.losses.translation import ssim_loss
from polystyle.models import Discriminator, DiscriminatorConfig, one_hot
from polystyle.models.stargan_lite import StarGANLite
from polystyle.registry import ARCHITECTURES
from polystyle.sampling.images import to_float, to_uint8
from polystyle.sampling.seeds import z_from_seeds
from polystyle.training.trainer import SAMPLE_SEED_BASE, Trainer

MIN_PAIRED_STEMS = 8  # fewer shared stems than this is not enough supervision to rely on


def is_translation(architecture: str) -> bool:
    return getattr(ARCHITECTURES.get(architecture), "kind", "synthesis") == "translation"


class TranslationTrainer(Trainer):
    G: StarGANLite

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.config.train.style_sampling != "uniform":
            raise ConfigError(
                f"train.style_sampling={self.config.train.style_sampling!r} applies to "
                "synthesis models only; translators draw styles uniformly: drop the key"
            )
        self.source_style = self._paired_source()
        self.pair_table = self._pair_table()
        self.paired = self._choose_pairing()
        if self.source_style is not None and not self.paired:
            raise ConfigError(
                f"loss.paired_source={self.config.loss.paired_source}: {self.folder.root} has "
                f"{len(self.pair_table)} training file stems shared with that style (need "
                f"{MIN_PAIRED_STEMS}) so training would be unpaired; drop the key"
            )
        self.sources = self._sample_sources()

    def _build_networks(self, spec: dict[str, int]) -> None:
        config = self.config
        cls = ARCHITECTURES.get(config.model.architecture)
        self.G = cls(cls.Config.from_dict({**config.model.generator, **spec}))
        self.D = Discriminator(DiscriminatorConfig(**spec, **config.model.discriminator))
        self.E = self._encoder(spec)  # always: reference codes and `strength` need it
        self._place_networks()

    # -- data ----------------------------------------------------------------------------

    def _paired_source(self) -> int | None:
        """The style id of `loss.paired_source`, checked against the data and the pairing."""
        name = self.config.loss.paired_source
        if not name:
            return None
        if self.config.loss.pairing == "unpaired":
            raise ConfigError(
                f"loss.paired_source={name} needs paired training; drop it or use "
                "loss.pairing=paired"
            )
        if name not in self.folder.style_names:
            raise ConfigError(
                f"loss.paired_source={name}: {self.folder.root} has no such style; use one of "
                f"{', '.join(self.folder.style_names)}"
            )
        return self.folder.style_id(name)

    def _pair_table(self) -> torch.Tensor:
        """`stems x styles` positions into self.images (-1 where a style lacks the stem),
        for training stems present in two or more styles (and in the paired source, if set)."""
        position = {index: pos for pos, index in enumerate(self.train_order)}
        rows = []
        for ids in self.folder.pairs.by_stem.values():
            row = [-1] * self.num_styles
            for style, index in ids.items():
                if index in position:
                    row[style] = position[index]
            has_source = self.source_style is None or row[self.source_style] >= 0
            if has_source and sum(p >= 0 for p in row) >= 2:
                rows.append(row)
        return torch.tensor(rows, dtype=torch.long).reshape(-1, self.num_styles)

    def _choose_pairing(self) -> bool:
        mode = self.config.loss.pairing
        enough = len(self.pair_table) >= MIN_PAIRED_STEMS
        if mode == "paired" and not enough:
            raise ConfigError(
                f"loss.pairing=paired but {self.folder.root} has {len(self.pair_table)} training "
                f"file stems shared between styles (need {MIN_PAIRED_STEMS}); name the same "
                "content identically in each style folder, or use loss.pairing=unpaired"
            )
        return mode == "paired" or (mode == "auto" and enough)

    def _sample_sources(self) -> torch.Tensor:
        """Fixed inputs of the sample grids: held-out images when there are any."""
        held_out = self.folder.indices("test") + self.folder.indices("val")
        records = self.folder.records
        pool = itertools.cycle(
            index
            for index in held_out + self.train_order
            if self.source_style in (None, records[index].style_id)
        )
        picked = list(itertools.islice(pool, self.config.train.samples_per_style))
        return to_float(self.folder.images[picked]).to(self.device)

    def _style_images(self, labels: torch.Tensor) -> torch.Tensor:
        """One random training image of each requested style."""
        counts = self.style_counts[labels.cpu()]
        offsets = (torch.rand(len(labels), generator=self.rng) * counts).long()
        return to_float(self.images[(self.style_starts[labels.cpu()] + offsets).to(self.device)])

    def _batch(self) -> tuple[torch.Tensor, ...]:
        """(source images, target labels, true targets or None, target-style references)."""
        batch = self.config.train.batch
        if self.paired:
            rows = self.pair_table[
                torch.randint(len(self.pair_table), (batch,), generator=self.rng)
            ]
            present = (rows >= 0).float()
            if self.source_style is None:
                src = torch.multinomial(present, 1, generator=self.rng).squeeze(1)
            else:
                src = torch.full((batch,), self.source_style, dtype=torch.long)
            tgt = torch.multinomial(present, 1, generator=self.rng).squeeze(1)
            take = torch.arange(batch)
            source = to_float(self.images[rows[take, src].to(self.device)])
            target = to_float(self.images[rows[take, tgt].to(self.device)])
        else:
            index = torch.randint(len(self.images), (batch,), generator=self.rng)
            source = to_float(self.images[index.to(self.device)])
            pick = torch.randint(len(self.present_styles), (batch,), generator=self.rng)
            tgt, target = self.present_styles[pick], None
        references = self._style_images(tgt)
        return source, tgt.to(self.device), target, references

    def _target_embedding(
        self, tgt: torch.Tensor, references: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(embedding per sample: first half from labels, second half from E(reference);
        E's style logits on the references)."""
        half = len(tgt) // 2
        ref_embedding, ref_logits = self.E(references[half:])
        label_embedding = self.G.style_embedding(one_hot(tgt[:half], self.num_styles))
        return torch.cat([label_embedding, ref_embedding]), ref_logits

    # -- one step ------------------------------------------------------------------------

    def updates(self) -> dict[str, float]:
        cfg = self.config
        loss_cfg = cfg.loss
        source, tgt, target, references = self._batch()
        half = len(tgt) // 2
        z = self._z()
        # One translation serves both updates (pix2pix, CycleGAN): D learns from it detached,
        # then G from D's updated verdict on it, which saves a forward pass of G and E a step.
        embedding, ref_logits = self._target_embedding(tgt, references)
        fake = self.G(source, self.G.style_code_from_embedding(z, embedding))

        self.D.requires_grad_(True)
        real = target if target is not None else references
        real_aug, fake_aug = self._aug(real), self._aug(fake.detach())
        (d_real, real_cls), d_fake = self.D.judge(real_aug, tgt), self.D(fake_aug, tgt)
        d_loss = self.loss.d_loss(d_real, d_fake)
        d_cls = F.cross_entropy(real_cls, tgt)
        d_total = d_loss + loss_cfg.style_class_weight * d_cls
        r1, d_total = self._with_lazy_r1(d_total, real, tgt)
        d_ok = self._update(self.opt_d, d_total)

        self.D.requires_grad_(False)
        g_logit, g_cls_logits = self.D.judge(self._aug(fake), tgt)
        g_loss = self.loss.g_loss(g_logit)
        terms: dict[str, torch.Tensor] = {
            "g_style_ce": F.cross_entropy(g_cls_logits, tgt),
            "encoder_style_ce": F.cross_entropy(ref_logits, tgt[half:]),
        }
        fake_embedding, _ = self.E(fake)
        terms["style_reconstruction"] = (fake_embedding - embedding.detach()).abs().mean()
        weights = {
            "g_style_ce": loss_cfg.style_class_weight,
            "encoder_style_ce": loss_cfg.style_reconstruction_weight,
            "style_reconstruction": loss_cfg.style_reconstruction_weight,
        }
        if target is not None:
            terms["l1"] = (fake - target).abs().mean()
            weights["l1"] = loss_cfg.l1_weight
            if loss_cfg.perceptual_weight > 0:
                terms["perceptual"] = perceptual_distance(fake, target)
                weights["perceptual"] = loss_cfg.perceptual_weight
            if loss_cfg.ssim_weight > 0:
                terms["ssim"] = ssim_loss(fake, target)
                weights["ssim"] = loss_cfg.ssim_weight
        else:
            own_embedding, _ = self.E(source)
            cycled = self.G(fake, self.G.style_code_from_embedding(z, own_embedding))
            terms["cycle"] = (cycled - source).abs().mean()
            weights["cycle"] = loss_cfg.cycle_weight
            z2 = self._z()
            other = self.G(source, self.G.style_code_from_embedding(z2, embedding))
            terms["mode_seeking"] = mode_seeking_loss(fake, other, z, z2, loss_cfg.diversity_pool)
            weights["mode_seeking"] = loss_cfg.diversity_weight
        adversarial = loss_cfg.adversarial_weight * g_loss
        g_total = adversarial + sum(weights[k] * v for k, v in terms.items() if weights[k] > 0)
        assert self.opt_e is not None
        self.opt_e.zero_grad(set_to_none=True)
        g_ok = self._update(self.opt_g, g_total)
        if g_ok:
            self.opt_e.step()

        self._advance()
        return {
            **self._adversarial_record(d_loss, d_ok, g_loss, g_ok, d_real, d_fake, r1, d_cls),
            **{k: float(v.detach()) for k, v in terms.items()},
        }

    # -- outputs ---------------------------------------------------------------------------

    @torch.no_grad()
    def sample_grid(self) -> torch.Tensor:
        """Row 0: the fixed held-out sources; then one row per style, from the EMA T."""
        sources = self.sources
        n = len(sources)
        rows = [to_uint8(sources)]
        z = z_from_seeds(range(SAMPLE_SEED_BASE, SAMPLE_SEED_BASE + n), self.z_dim)
        for style in range(self.num_styles):
            weights = one_hot(torch.full((n,), style), self.num_styles).to(self.device)
            code = self.G_ema.style_code(z.to(self.device), weights)
            rows.append(to_uint8(self.G_ema(sources, code)))
        return torch.cat(rows)

    def training_record(self) -> dict[str, Any]:
        record = {**super().training_record(), "pairing": "paired" if self.paired else "unpaired"}
        if self.source_style is not None:
            record["paired_source"] = self.config.loss.paired_source
        return record
