from __future__ import annotations

import pytest
import torch

from polystyle.losses import (
    adc_style_loss,
    content_consistency_loss,
    get_loss,
    gradient_penalty,
    r1_penalty,
    style_margin_loss,
)
from polystyle.losses.translation import ssim_loss
from polystyle.metrics.paired import ssim
from polystyle.registry import LOSSES

KEYS = ["nonsaturating", "hinge", "lsgan", "wgan-gp"]


def test_all_seed_losses_are_registered() -> None:
    assert set(KEYS) <= set(LOSSES.keys())


@pytest.mark.parametrize("key", KEYS)
def test_d_loss_prefers_a_discriminator_that_is_right(key: str) -> None:
    loss = get_loss(key)
    high, low = torch.full((8,), 2.0), torch.full((8,), -2.0)
    assert loss.d_loss(high, low) < loss.d_loss(low, high)
    assert torch.isfinite(loss.d_loss(high, low))


@pytest.mark.parametrize("key", KEYS)
def test_g_loss_falls_as_the_fake_looks_more_real(key: str) -> None:
    loss = get_loss(key)
    fake = torch.tensor([-1.0, 0.0], requires_grad=True)
    loss.g_loss(fake).backward()
    assert fake.grad is not None and (fake.grad < 0).all()


def test_only_wgan_asks_for_a_gradient_penalty() -> None:
    assert [k for k in KEYS if get_loss(k).needs_gradient_penalty] == ["wgan-gp"]


def test_r1_is_the_squared_gradient_norm() -> None:
    a = torch.tensor([1.0, -2.0, 0.5, 3.0]).view(1, 1, 2, 2)
    x = torch.randn(5, 1, 2, 2, requires_grad=True)
    logits = (x * a).sum(dim=(1, 2, 3))
    assert torch.allclose(r1_penalty(logits, x), a.square().sum())


def test_gradient_penalty_is_zero_for_a_unit_lipschitz_linear_critic() -> None:
    a = torch.tensor([0.6, 0.8, 0.0, 0.0]).view(1, 1, 2, 2)  # norm 1

    def critic(x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return (x * a).sum(dim=(1, 2, 3))

    real, fake = torch.randn(4, 1, 2, 2), torch.randn(4, 1, 2, 2)
    labels = torch.zeros(4, dtype=torch.long)
    assert gradient_penalty(critic, real, fake, labels).abs() < 1e-10
    assert gradient_penalty(lambda x, y: 3 * critic(x, y), real, fake, labels) == pytest.approx(4)


def test_mode_seeking_loss_punishes_a_generator_that_ignores_z() -> None:
    from polystyle.losses import mode_seeking_loss

    z_a, z_b = torch.randn(4, 8), torch.randn(4, 8)
    same = torch.ones(4, 1, 4, 4)
    collapsed = mode_seeking_loss(same, same.clone(), z_a, z_b)
    diverse = mode_seeking_loss(same, -same, z_a, z_b)
    assert collapsed > 1000 * diverse
    images = torch.randn(4, 1, 4, 4, requires_grad=True)
    mode_seeking_loss(images, torch.zeros(4, 1, 4, 4), z_a, z_b).backward()
    assert images.grad is not None and images.grad.abs().sum() > 0


def test_pooled_mode_seeking_counts_a_new_layout_not_jittered_strokes() -> None:
    from polystyle.losses import mode_seeking_loss

    z_a, z_b = torch.randn(4, 8), torch.randn(4, 8)
    layout = torch.zeros(4, 1, 16, 16)
    layout[:, :, :8] = 1.0
    checker = (torch.arange(16)[:, None] + torch.arange(16)[None, :]) % 2 * 2.0 - 1.0
    jittered = layout + 0.5 * checker  # the same layout; every pixel moved by 0.5
    moved = layout.flip(2)  # the ink in the other half
    pixel_jitter = mode_seeking_loss(layout, jittered, z_a, z_b)
    pooled_jitter = mode_seeking_loss(layout, jittered, z_a, z_b, pool=8)
    pooled_moved = mode_seeking_loss(layout, moved, z_a, z_b, pool=8)
    assert pixel_jitter < 10  # a pixel distance takes the jitter for diversity ...
    assert pooled_jitter > 1000  # ... a pooled one does not ...
    assert pooled_moved < pixel_jitter  # ... and still counts a different layout


@pytest.mark.parametrize("key", KEYS)
def test_d_loss_is_its_real_side_plus_its_fake_side(key: str) -> None:
    loss = get_loss(key)
    real, fake = torch.tensor([0.5, -1.0, 2.0]), torch.tensor([-0.3, 1.5, 0.0])
    assert torch.allclose(loss.d_loss(real, fake), loss.d_real_loss(real) + loss.d_fake_loss(fake))
    # A fake that D already scores as real-looking costs more the more real it looks.
    fake = torch.tensor([0.3, 1.5, 0.1], requires_grad=True)
    loss.d_fake_loss(fake).backward()
    assert fake.grad is not None and (fake.grad > 0).all()


def test_ssim_loss_is_one_minus_the_metric_and_descends_to_the_target() -> None:
    generator = torch.Generator().manual_seed(0)
    target = torch.ones(2, 1, 32, 32)
    target[:, :, 8:24, 14:18] = -1  # a black vertical stroke on white
    noisy = (target + 0.3 * torch.randn(target.shape, generator=generator)).clamp(-1, 1)
    as_uint8 = ((noisy + 1) * 127.5).round().to(torch.uint8)
    metric = ssim(as_uint8, ((target + 1) * 127.5).to(torch.uint8)).mean()
    assert ssim_loss(noisy, target).item() == pytest.approx(1 - metric.item(), abs=2e-3)
    assert ssim_loss(target, target).item() == pytest.approx(0.0, abs=1e-6)
    image = noisy.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([image], lr=0.05)
    for _ in range(30):
        optimizer.zero_grad()
        ssim_loss(image, target).backward()
        optimizer.step()
    assert ssim_loss(image.detach(), target) < 0.5 * ssim_loss(noisy, target)


def test_style_margin_loss_stops_pushing_once_the_style_is_named_with_margin() -> None:
    logits = torch.tensor([[4.0, 1.0, 0.0], [1.0, 1.5, 0.0]], requires_grad=True)
    labels = torch.tensor([0, 0])
    loss = style_margin_loss(logits, labels, margin=2.0)
    assert loss.tolist() == pytest.approx([0.0, 2.5])
    loss.sum().backward()
    assert logits.grad is not None
    assert logits.grad[0].abs().sum() == 0
    assert logits.grad[1].tolist() == pytest.approx([-1.0, 1.0, 0.0])


def test_adc_style_loss_weighs_real_style_against_fake_style_only() -> None:
    # Two styles: columns are (real 0, real 1, fake 0, fake 1).
    logits = torch.tensor([[3.0, 9.0, 1.0, -5.0], [0.0, 2.0, 7.0, 4.0]], requires_grad=True)
    labels = torch.tensor([0, 1])
    loss = adc_style_loss(logits, labels)
    assert loss.tolist() == pytest.approx([1.0 - 3.0, 4.0 - 2.0])
    loss.sum().backward()
    assert logits.grad is not None
    assert logits.grad.tolist() == [[-1.0, 0.0, 1.0, 0.0], [0.0, -1.0, 0.0, 1.0]]


def test_content_consistency_loss_asks_one_layout_of_one_z_not_one_ink_level() -> None:
    layout = torch.zeros(2, 3, 16, 16)
    layout[0, :, :8] = 1.0  # ink in the top half
    layout[1, :, :, :8] = 1.0  # ink in the left half
    fainter = 0.3 * layout + 0.5  # the same layouts in another style's ink and paper
    assert float(content_consistency_loss(layout, fainter)) == pytest.approx(0.0, abs=1e-6)
    swapped = content_consistency_loss(layout, fainter.flip(0))  # each z drew the other layout
    assert float(swapped) == pytest.approx(1.0, abs=1e-6)
    moved = torch.zeros(2, 3, 16, 16, requires_grad=True)
    content_consistency_loss(layout, moved + layout.flip(0)).backward()
    assert moved.grad is not None and moved.grad.abs().sum() > 0
