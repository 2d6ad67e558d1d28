from __future__ import annotations

import torch

from polystyle.models.projected import ProjectedDiscriminator, feature_maps


def test_one_logit_per_image_for_its_claimed_style_with_gradients_to_the_images() -> None:
    torch.manual_seed(0)
    judge = ProjectedDiscriminator(num_styles=3, width=8).eval()  # spectral norm stays put
    images = (torch.rand(4, 1, 32, 32) * 2 - 1).requires_grad_(True)
    labels = torch.tensor([0, 1, 2, 0])
    logits = judge(images, labels)
    assert logits.shape == (4,)
    assert torch.allclose(logits, judge.judge_features(feature_maps(images), labels))
    claimed_otherwise = judge(images, torch.tensor([1, 2, 0, 1]))
    assert not torch.allclose(logits, claimed_otherwise)  # the style is part of the verdict
    logits.sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0
    trained = {name for name, p in judge.named_parameters() if p.requires_grad}
    assert trained and all(name.startswith("heads.") for name in trained)  # features frozen
