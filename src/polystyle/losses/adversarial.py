"""GAN objectives on discriminator logits: D minimises `d_loss`, G minimises `g_loss`.

D's loss is a real side plus a fake side, kept apart so that other negatives (real images
under a style they do not have, the matching-aware discriminator) take the fake side alone.
WGAN-GP's Lipschitz constraint is not a loss on logits: `needs_gradient_penalty` tells the
trainer to add `regularizers.gradient_penalty`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from polystyle.registry import LOSSES


class AdversarialLoss:
    needs_gradient_penalty = False

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return self.d_real_loss(real) + self.d_fake_loss(fake)

    def d_real_loss(self, real: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def d_fake_loss(self, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


@LOSSES.register("nonsaturating")
class NonSaturatingLoss(AdversarialLoss):
    """Logistic loss; G maximises log D(G(z)) (Goodfellow et al., the StyleGAN default)."""

    def d_real_loss(self, real: torch.Tensor) -> torch.Tensor:
        return F.softplus(-real).mean()

    def d_fake_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return F.softplus(fake).mean()

    def g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return F.softplus(-fake).mean()


@LOSSES.register("hinge")
class HingeLoss(AdversarialLoss):
    def d_real_loss(self, real: torch.Tensor) -> torch.Tensor:
        return F.relu(1 - real).mean()

    def d_fake_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return F.relu(1 + fake).mean()

    def g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return -fake.mean()


@LOSSES.register("lsgan")
class LeastSquaresLoss(AdversarialLoss):
    def d_real_loss(self, real: torch.Tensor) -> torch.Tensor:
        return 0.5 * (real - 1).square().mean()

    def d_fake_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return 0.5 * fake.square().mean()

    def g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return 0.5 * (fake - 1).square().mean()


@LOSSES.register("wgan-gp")
class WassersteinLoss(AdversarialLoss):
    needs_gradient_penalty = True

    def d_real_loss(self, real: torch.Tensor) -> torch.Tensor:
        return -real.mean()

    def d_fake_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return fake.mean()

    def g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return -fake.mean()


def get_loss(key: str) -> AdversarialLoss:
    return LOSSES.get(key)()
