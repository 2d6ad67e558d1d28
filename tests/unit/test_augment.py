import pytest
import torch

from polystyle.augment import build_augment
from polystyle.augment.diffaugment import cutout, translation
from polystyle.config.run import AugmentSection
from polystyle.errors import ConfigError


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_same_generator_state_same_augmentation() -> None:
    augment = build_augment(AugmentSection(policy="translation,cutout,color"))
    x = torch.randn(6, 3, 16, 16)
    assert torch.equal(augment(x, gen(3)), augment(x, gen(3)))
    assert not torch.equal(augment(x, gen(3)), augment(x, gen(4)))


def test_translation_keeps_a_constant_image_constant() -> None:
    white = torch.ones(4, 1, 16, 16)
    assert torch.equal(translation(white, gen(), AugmentSection()), white)


def test_translation_moves_content_by_at_most_the_ratio() -> None:
    x = torch.zeros(64, 1, 16, 16)
    x[:, :, 8, 8] = 1
    moved = translation(x, gen(), AugmentSection(translation_ratio=0.125))
    ys, xs = torch.nonzero(moved[:, 0], as_tuple=True)[1:]
    assert ys.min() >= 6 and ys.max() <= 10 and xs.min() >= 6 and xs.max() <= 10
    assert len({(int(y), int(x)) for y, x in zip(ys, xs, strict=True)}) > 5


def test_cutout_zeroes_a_square_of_the_given_ratio() -> None:
    out = cutout(torch.ones(8, 2, 16, 16), gen(), AugmentSection(cutout_ratio=0.5))
    zeros = (out == 0).float().sum(dim=(1, 2, 3))
    assert torch.equal(zeros, torch.full((8,), 2 * 8 * 8.0))


def test_augmentation_is_differentiable() -> None:
    x = torch.randn(4, 3, 16, 16, requires_grad=True)
    build_augment(AugmentSection(policy="translation,cutout,color"))(x, gen()).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_unknown_op_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match="valid: color, cutout, translation"):
        build_augment(AugmentSection(policy="translation,flip"))


def test_empty_policy_is_off() -> None:
    assert not build_augment(AugmentSection(policy=""))
