"""A contact sheet of a dataset: one row per style, the same stems in every row when paired."""

from __future__ import annotations

import torch
from PIL import Image

from polystyle.data.folder import StyleFolder
from polystyle.sampling.grids import make_grid


def style_sheet(folder: StyleFolder, per_style: int = 12) -> Image.Image:
    """Row k shows style k. Stems every style has come first, spread over the dataset, so the
    columns line up on paired data."""
    shared = [stem for stem, ids in folder.pairs.by_stem.items() if len(ids) == len(folder.styles)]
    shared = shared[:: max(1, len(shared) // per_style)]
    rows: list[torch.Tensor] = []
    for style in folder.styles:
        own = [i for i, r in enumerate(folder.records) if r.style_id == style.id]
        by_stem = {folder.records[i].stem: i for i in own}
        chosen = [by_stem[s] for s in shared[:per_style]]
        chosen += [i for i in own if i not in chosen][: per_style - len(chosen)]
        images = [folder.image(i) for i in chosen]
        blank = torch.full_like(folder.image(own[0]), 255)
        rows.extend(images + [blank] * (per_style - len(images)))
    return make_grid(torch.stack(rows), columns=per_style)
