"""Within-style diversity: mean pairwise pixel distance between images of one style, and an
effective number of compositions; and how well one source (a z, a character) keeps its layout
across styles.

Compared with the same numbers for real images of that style, they expose mode collapse (a
generator whose samples are near-copies scores far below the data).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

LAYOUT_RESOLUTION = 16  # px: where the ink lies, not how the strokes are drawn


def mean_pairwise_distance(images: torch.Tensor, max_images: int = 256) -> float:
    """Mean L1 distance (pixel values in [0, 1]) over all pairs of up to `max_images`."""
    flat = images[:max_images].float().div(255).flatten(1)
    if len(flat) < 2:
        return 0.0
    distances = torch.cdist(flat, flat, p=1) / flat.shape[1]
    count = len(flat) * (len(flat) - 1)
    return float(distances.sum() / count)


def nearest_neighbour_distance(
    queries: torch.Tensor, references: torch.Tensor, batch: int = 256
) -> dict[str, float]:
    """For each query image, the RMS pixel distance (pixels in [0, 1]) to its nearest reference.

    Returns the mean and the minimum over queries: a generator that copies its training images
    shows up as a minimum (and mean) far below real held-out images' distances to training.
    """
    refs = references.float().div(255).flatten(1)
    nearest = []
    for i in range(0, len(queries), batch):
        q = queries[i : i + batch].float().div(255).flatten(1)
        # Euclidean cdist runs as a matrix product; L1 over 10^4 x 10^3 pairs would take minutes.
        nearest.append(torch.cdist(q, refs).min(dim=1).values / refs.shape[1] ** 0.5)
    values = torch.cat(nearest)
    return {"mean": float(values.mean()), "min": float(values.min())}


def mean_pairwise_feature_distance(features: torch.Tensor, max_items: int = 256) -> float:
    """Mean over pairs i != j of `nn.mobilenet_v2.feature_distance` (a squared Euclidean
    distance between feature vectors), from up to `max_items` vectors."""
    f = features[:max_items].double()
    if len(f) < 2:
        return 0.0
    return float(torch.cdist(f, f).square().sum() / (len(f) * (len(f) - 1)))


def vendi_score(vectors: torch.Tensor) -> float:
    """Vendi score (Friedman and Dieng 2023) of unit-norm `vectors` under the cosine kernel:
    the exponential of the entropy of the kernel matrix's eigenvalues, an effective number of
    distinct items. n copies of one item score 1; n orthogonal items score n.

    Mean pairwise distance rises with one far-off item among near-copies; this counts how
    many different things a set holds, so it reads as "how many compositions"."""
    if len(vectors) == 0:
        return 0.0
    unit = F.normalize(vectors.double(), dim=1)
    eigenvalues = torch.linalg.eigvalsh(unit @ unit.T / len(unit)).clamp(min=0)
    eigenvalues = eigenvalues[eigenvalues > 1e-12]
    if len(eigenvalues) == 0:  # all zero vectors (blank layouts): one item
        return 1.0
    eigenvalues = eigenvalues / eigenvalues.sum()
    return float(torch.exp(-(eigenvalues * eigenvalues.log()).sum()))


def centred_layouts(images: torch.Tensor, resolution: int = LAYOUT_RESOLUTION) -> torch.Tensor:
    """Each image's layout as a vector: grey, pooled to `resolution` px, minus its mean.

    The cosine of two such vectors is the Pearson correlation of the pooled images, which
    ignores ink level and contrast (what a style may change) and keeps where the ink lies.
    Differentiable, so a loss can use it as well as a metric."""
    grey = images.float().mean(dim=1, keepdim=True)
    layouts = F.adaptive_avg_pool2d(grey, resolution).flatten(1)
    return layouts - layouts.mean(dim=1, keepdim=True)


def composition_count(images: torch.Tensor, resolution: int = LAYOUT_RESOLUTION) -> float:
    """Effective number of distinct compositions among uint8 `images`: the Vendi score of
    their `centred_layouts`, so the kernel is each pair's Pearson correlation. It grows with
    the number of images; compare sets of equal size."""
    return vendi_score(centred_layouts(images, resolution))


def layout_agreement(images: torch.Tensor, resolution: int = LAYOUT_RESOLUTION) -> float:
    """Mean Pearson correlation between the layouts of one source drawn in different styles.

    `images` is [styles, n, C, H, W]: item i of every style comes from one source (one z, or
    one character in several fonts). Real fonts agree on a character's layout; a generator
    whose z picks the content keeps it across styles, one whose style picks it does not."""
    styles, count = images.shape[:2]
    if styles < 2 or count == 0:
        raise ValueError(f"layout_agreement needs >= 2 styles and >= 1 item, got {styles}, {count}")
    layouts = F.normalize(centred_layouts(images.flatten(0, 1), resolution).double(), dim=1)
    layouts = layouts.view(styles, count, -1)
    correlation = torch.einsum("sid,tid->ist", layouts, layouts)
    off_diagonal = correlation.sum() - correlation.diagonal(dim1=1, dim2=2).sum()
    return float(off_diagonal / (count * styles * (styles - 1)))
