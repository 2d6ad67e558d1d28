"""Gradient regularisers for the discriminator."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from polystyle.metrics.diversity import centred_layouts


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


def content_consistency_loss(
    images_a: torch.Tensor, images_b: torch.Tensor, resolution: int = 8
) -> torch.Tensor:
    """1 - Pearson correlation of each pair's layouts at `resolution` px, averaged.

    Pairs share z and differ in style. The correlation ignores stroke weight and ink level,
    which styles may change, and scores only where the ink lies at a coarse scale.
    """
    layouts_a = centred_layouts(images_a, resolution)
    layouts_b = centred_layouts(images_b, resolution)
    return (1 - F.cosine_similarity(layouts_a, layouts_b, dim=1, eps=1e-6)).mean()


def style_margin_loss(logits: torch.Tensor, labels: torch.Tensor, margin: float) -> torch.Tensor:
    """Multi-class hinge (Crammer and Singer 2001) per sample: max(0, margin - (true logit -
    best other logit)).

    Cross-entropy keeps rewarding G for ever more typical images of a style, the AC-GAN bias
    toward one prototype per class; the hinge stops pushing once the style is named with
    `margin` to spare, so the adversarial loss alone shapes what the image looks like.
    """
    true = logits.gather(1, labels[:, None]).squeeze(1)
    others = logits.scatter(1, labels[:, None], float("-inf")).amax(dim=1)
    return F.relu(margin - (true - others))


def adc_style_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """G's style loss under ADC-GAN (Hou et al. 2022) per sample: logit(fake style) -
    logit(real style), from a classifier whose first K classes are real styles and last K the
    same styles drawn by G.

    The softmax normaliser cancels, so this is log C(fake y | x) - log C(real y | x): G gains
    only where its image reads as a real y more than as its own kind of y, which a single
    prototype per style soon stops doing once D has learned that prototype as "fake y".
    """
    num_styles = logits.shape[1] // 2
    real = logits.gather(1, labels[:, None]).squeeze(1)
    fake = logits.gather(1, (labels + num_styles)[:, None]).squeeze(1)
    return fake - real
