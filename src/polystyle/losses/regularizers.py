"""Gradient regularisers for the discriminator."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def r1_penalty(real_logits: torch.Tensor, real_images: torch.Tensor) -> torch.Tensor:
    """Mean squared gradient norm of D at real data (Mescheder et al. 2018).

    `real_images` must have `requires_grad=True` and `real_logits` must come from it.
    """
    (grad,) = torch.autograd.grad(real_logits.sum(), real_images, create_graph=True)
    return grad.square().sum(dim=(1, 2, 3)).mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    labels: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP: (||grad D(x_hat)|| - 1)^2 on random interpolates of real and fake."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, generator=generator, device=real.device)
    mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed, labels).sum(), mixed, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).square().mean()


def mode_seeking_loss(
    images_a: torch.Tensor,
    images_b: torch.Tensor,
    z_a: torch.Tensor,
    z_b: torch.Tensor,
    pool: int = 1,
) -> torch.Tensor:
    """MSGAN (Mao et al. 2019): 1 / (image distance / latent distance), per pair, averaged.

    Pairs share a style and differ in z; a generator that ignores z (mode collapse) makes
    the image distance 0 and this loss large. `pool` > 1 measures the distance on images
    average-pooled by that factor: a pixel distance is also satisfied by jittering strokes
    of one shared layout, a pooled one only by a different layout.
    """
    if pool > 1:
        images_a, images_b = F.avg_pool2d(images_a, pool), F.avg_pool2d(images_b, pool)
    image_gap = (images_a - images_b).abs().flatten(1).mean(dim=1)
    latent_gap = (z_a - z_b).abs().mean(dim=1)
    return (1.0 / (image_gap / latent_gap + 1e-5)).mean()


def layout_energy_distance(
    fake: torch.Tensor,
    fake_labels: torch.Tensor,
    real: torch.Tensor,
    real_labels: torch.Tensor,
    size: int = 8,
) -> torch.Tensor:
    """Energy distance (Székely) between fakes and reals of the same style, on images
    average-pooled to `size` x `size` (the ink layout, not the strokes).

    2 E|F - R| - E|F - F'| - E|R - R'| is zero exactly when the two layout distributions
    match, so unlike the mode-seeking term it has the data as its optimum: it pulls G's
    layouts toward real ones and pushes G's samples of one style apart only as far as the
    real images of that style are apart. Pairs are taken within a style; F' != F, R' != R.
    """
    f = F.adaptive_avg_pool2d(fake.float(), size).flatten(1)
    r = F.adaptive_avg_pool2d(real.float(), size).flatten(1)

    def mean_distance(a: torch.Tensor, b: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        gaps = (a[:, None] - b[None]).square().sum(dim=2).add(1e-8).sqrt()
        return (gaps * mask).sum() / mask.sum().clamp(min=1)

    same_fr = (fake_labels[:, None] == real_labels[None]).float()
    off_diagonal = 1 - torch.eye(len(f), device=f.device)
    same_ff = (fake_labels[:, None] == fake_labels[None]).float() * off_diagonal
    same_rr = (real_labels[:, None] == real_labels[None]).float()
    same_rr = same_rr * (1 - torch.eye(len(r), device=r.device))
    return (
        2 * mean_distance(f, r, same_fr)
        - mean_distance(f, f, same_ff)
        - (mean_distance(r, r, same_rr))
    )
