"""`TranslationPipeline`: your image (or a line of text) rendered in another style.

    pipe = TranslationPipeline.from_pretrained("runs/<id>/model")
    out = pipe("glyph.png", to="brush-sosho")                  # a label
    pipe("glyph.png", weights={"kai": 0.5, "hei": 0.5})          # a blend
    pipe("glyph.png", reference=["a.png", "b.png"])              # the mean style of references
    pipe("glyph.png", reference=["a.png"], reference_sources=["a_src.png"])  # fitted to pairs
    pipe("glyph.png", prompt="flowing cursive brush")            # text -> weights (out.prompt)
    pipe("glyph.png", to="kai", strength=0.5, seeds=range(8))    # half way, 8 variants
    pipe.render_text("永字八法", to="brush-sosho").images[0]        # glyph models: any text

The target is a style embedding (a label's, a blend's, or the style encoder's mean over
reference images); `strength` moves from the input's own encoded embedding (0 = leave the
style as it is) to the target (1); the mapping network turns it and a seed's noise into the
code the translator reads. With `reference_sources` (each reference's content in the
source style: for glyphs, the same character in the source font) the references' embedding
is fitted to the pairs instead of averaged (`fit_embedding`).

Size policy: by default (`size="model"`) an input is scaled so its longer side is the
training size, because the model learned stroke widths and textures at that scale;
`size="native"` keeps the input's size and `size=N` scales the longer side to N. The
translator is fully convolutional: sides are padded (edge pixels repeated) to a multiple of
`stem * 2**downsamples` and the output is cropped back. A side over `MAX_SIDE` after scaling is
refused with a message; nothing is tiled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from polystyle.config import DataConfig
from polystyle.config.schema import DEFAULT_MAX_PIXELS
from polystyle.data.images import ImageProblem, fit_square, open_image, read_bytes, to_l_or_rgb
from polystyle.devices import pick_device
from polystyle.errors import ConfigError
from polystyle.losses.perceptual import perceptual_distance
from polystyle.losses.translation import ssim_loss
from polystyle.models.encoder import StyleEncoder
from polystyle.models.folder import load_encoder, load_translator
from polystyle.models.stargan_lite import StarGANLite
from polystyle.sampling.images import to_float, to_pil, to_uint8
from polystyle.sampling.seeds import z_from_seeds
from polystyle.styles.codes import StyleSpec, style_weights
from polystyle.styles.glyph_text import (
    GlyphFont,
    character_of,
    compose_line,
    default_source_style,
    glyph_font_for,
)
from polystyle.styles.prompt import PromptMatch, match_prompt, style_descriptions
from polystyle.styles.reference import Reference, encode_references, reference_pixels

MAX_SIDE = 2048
# Fitting a reference style (`fit_embedding`): Adam steps on the embedding alone, and the
# noise seed its codes are drawn with. Fitting 8 pairs and drawing 45 glyphs took 11 s at
# 64 px on 2 cores, 32 pairs 34 s; 25 steps already gave most of the gain (BENCHMARKS.md,
# "Fitting an unseen font's style").
FIT_STEPS = 100
FIT_LR = 0.05
FIT_SEED = 0
SizePolicy = int | str


@dataclass
class TranslationOutput:
    tensors: list[torch.Tensor]  # uint8 C x H x W, input-major: input 0 x every seed, ...
    seeds: list[int]
    weights: dict[str, float] = field(default_factory=dict)  # target weights, when known
    prompt: PromptMatch | None = None

    @property
    def images(self) -> list[Image.Image]:
        return [to_pil(t) for t in self.tensors]


class TranslationPipeline:
    def __init__(
        self, translator: StarGANLite, encoder: StyleEncoder, meta: dict, device: torch.device
    ) -> None:
        self.translator = translator
        self.encoder = encoder
        self.meta = meta
        self.device = device
        self.style_names = [s["name"] for s in meta["styles"]]
        self.size = meta["image"]["size"]
        self.channels = meta["image"]["channels"]

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str = "auto") -> TranslationPipeline:
        torch_device = pick_device(device)
        translator, meta = load_translator(Path(path), torch_device)
        encoder = load_encoder(Path(path), torch_device)
        if encoder is None:
            raise ConfigError(f"{path}: a translation model needs encoder.safetensors; re-export")
        return cls(translator, encoder, meta, torch_device)

    # -- inputs --------------------------------------------------------------------------

    def load_image(self, image: Reference, size: SizePolicy = "model") -> torch.Tensor:
        """An input (path, PIL image or uint8 C x H x W tensor) -> uint8 C x H x W, scaled
        by the size policy, with the model's channel count."""
        if isinstance(image, torch.Tensor):
            if image.dtype != torch.uint8 or image.ndim != 3:
                raise ConfigError(f"an input tensor must be uint8 C x H x W, got {image.dtype}")
            picture = to_pil(image)
        elif isinstance(image, Image.Image):
            picture = to_l_or_rgb(image, background=255)
        else:
            try:
                picture, _, _ = open_image(read_bytes(str(image)), DEFAULT_MAX_PIXELS)
            except ImageProblem as problem:
                raise ConfigError(f"{image}: {problem.message}; {problem.fix}") from None
        picture = picture.convert("L" if self.channels == 1 else "RGB")
        longer = max(picture.size)
        target = self._target_side(size, longer)
        # Checked before resizing: a large `size` must not allocate the image it refuses.
        if target > MAX_SIDE:
            raise ConfigError(
                f"input of {picture.width}x{picture.height} px would be {target} px on its "
                f"longer side, over the {MAX_SIDE} px limit per side; use size model (the "
                "default) or a smaller size"
            )
        if target != longer:
            scale = target / longer
            new = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
            picture = picture.resize(new, Image.Resampling.LANCZOS)
        array = np.asarray(picture, dtype=np.uint8)
        array = array[:, :, None] if array.ndim == 2 else array
        return torch.from_numpy(array.copy()).permute(2, 0, 1)

    def _target_side(self, size: SizePolicy, longer: int) -> int:
        if size == "model":
            return self.size
        if size == "native":
            return longer
        if isinstance(size, int) and size >= 1:
            return size
        raise ConfigError(f"--size {size!r}: use model, native or a side length in pixels")

    # -- style -----------------------------------------------------------------------------

    def target_embedding(
        self,
        to: StyleSpec | None = None,
        weights: StyleSpec | None = None,
        reference: Sequence[Reference] | None = None,
        prompt: str | None = None,
        temperature: float = 0.1,
    ) -> tuple[torch.Tensor, dict[str, float], PromptMatch | None]:
        """(1 x embedding_dim, weights over known styles, the prompt match) from exactly one
        of a label, a blend, reference images or a prompt."""
        given = [
            n
            for n, v in (
                ("to", to),
                ("weights", weights),
                ("reference", reference),
                ("prompt", prompt),
            )
            if v
        ]
        if len(given) != 1:
            raise ConfigError(
                "give exactly one target: --to STYLE, --weights a=0.5,b=0.5, --reference "
                f"IMAGE ... or --prompt TEXT (got {', '.join(given) or 'none'})"
            )
        match = None
        if reference:
            pixels = torch.stack([reference_pixels(r, self.size, self.channels) for r in reference])
            embeddings, probabilities = encode_references(self.encoder, pixels)
            mean_probabilities = probabilities.mean(0).cpu()
            return embeddings.mean(0, keepdim=True), self._named(mean_probabilities), None
        if prompt:
            match = self.match_prompt(prompt, temperature)
            spec: StyleSpec = match.weights
        else:
            spec = to if to else weights  # type: ignore[assignment]
        vector = style_weights(spec, self.style_names)
        embedding = self.translator.style_embedding(vector[None].to(self.device))
        return embedding, self._named(vector), match

    def fit_embedding(
        self,
        references: Sequence[Reference],
        sources: Sequence[Reference],
        steps: int = FIT_STEPS,
    ) -> torch.Tensor:
        """The style embedding (1 x embedding_dim) under which the translator draws each
        source as its reference, by gradient descent from the encoder's mean embedding of
        the references on the paired training's own loss (L1, 1 - SSIM, perceptual).

        The encoder reads a font it never saw as a mix of the fonts it knows; on fangsong
        left out of training the mean code scored SSIM 0.35-0.37 and the fitted one 0.48-0.49
        (BENCHMARKS.md, "Fitting an unseen font's style"). Only the embedding moves, not the
        weights, so a few pairs cannot overfit the translator; deterministic (one noise
        seed, no random draw)."""
        if not references or len(references) != len(sources):
            raise ConfigError(
                f"fitting a style needs one source per reference: got {len(references)} "
                f"reference(s) and {len(sources)} source(s)"
            )
        if steps < 1:
            raise ConfigError(f"fit steps {steps}: use 1 or more")
        refs, srcs = (
            torch.stack([reference_pixels(r, self.size, self.channels) for r in images])
            for images in (references, sources)
        )
        start, _ = encode_references(self.encoder, refs)
        embedding = start.mean(0, keepdim=True).requires_grad_(True)
        targets, inputs = to_float(refs).to(self.device), to_float(srcs).to(self.device)
        z = z_from_seeds([FIT_SEED], self.translator.z_dim).to(self.device)
        z = z.expand(len(refs), -1)
        optimizer = torch.optim.Adam([embedding], lr=FIT_LR)
        with torch.enable_grad():
            for _ in range(steps):
                code = self.translator.style_code_from_embedding(z, embedding.expand_as(start))
                drawn = self.translator(inputs, code)
                loss = (
                    (drawn - targets).abs().mean()
                    + ssim_loss(drawn, targets)
                    + perceptual_distance(drawn, targets)
                )
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        return embedding.detach()

    def glyph_sources(
        self,
        references: Reference | Sequence[Reference] | None,
        font: str | Path | None = None,
        source_style: str | None = None,
    ) -> list[torch.Tensor]:
        """Each reference glyph's character (from its file name) drawn in the source font:
        the `reference_sources` of glyph models."""
        if not references:
            raise ConfigError("--fit needs --reference glyph files named after their characters")
        if _is_single(references):
            references = [references]  # type: ignore[list-item]
        glyphs = self.glyph_font(font, source_style)
        return [glyphs.render_line(character_of(r), self.size)[0] for r in references]  # type: ignore[union-attr]

    def match_prompt(self, prompt: str, temperature: float = 0.1) -> PromptMatch:
        return match_prompt(prompt, style_descriptions(self.meta), temperature)

    def _named(self, vector: torch.Tensor) -> dict[str, float]:
        return {name: round(float(v), 4) for name, v in zip(self.style_names, vector, strict=True)}

    @torch.no_grad()
    def own_embedding(self, images: Sequence[torch.Tensor]) -> torch.Tensor:
        """The style encoder's embedding of each input, read as a padded square at the
        model's size (as training images were)."""
        square = DataConfig(size=self.size)
        thumbnails = [np.asarray(fit_square(to_pil(i), square), dtype=np.uint8) for i in images]
        pixels = torch.stack(
            [torch.from_numpy(t.copy()).reshape(self.size, self.size, -1) for t in thumbnails]
        )
        embedding, _ = encode_references(self.encoder, pixels.permute(0, 3, 1, 2).contiguous())
        return embedding

    # -- translation -----------------------------------------------------------------------

    @torch.no_grad()
    def __call__(
        self,
        images: Reference | Sequence[Reference],
        to: StyleSpec | None = None,
        *,
        weights: StyleSpec | None = None,
        reference: Reference | Sequence[Reference] | None = None,
        reference_sources: Sequence[Reference] | None = None,
        fit_steps: int = FIT_STEPS,
        prompt: str | None = None,
        temperature: float = 0.1,
        strength: float = 1.0,
        seeds: Iterable[int] = (0,),
        size: SizePolicy = "model",
    ) -> TranslationOutput:
        if not 0.0 <= strength <= 1.0:
            raise ConfigError(f"--strength {strength}: use a value in [0, 1]")
        inputs = [images] if _is_single(images) else list(images)  # type: ignore[arg-type]
        if not inputs:
            raise ConfigError("no input images given")
        if reference is not None and _is_single(reference):
            reference = [reference]  # type: ignore[list-item]
        target, named, match = self.target_embedding(to, weights, reference, prompt, temperature)
        if reference_sources is not None:
            if not reference:
                raise ConfigError("fitting a style (--fit) needs --reference images")
            target = self.fit_embedding(reference, reference_sources, fit_steps)  # type: ignore[arg-type]
        pixels = [self.load_image(image, size) for image in inputs]
        seeds = list(seeds)
        z = z_from_seeds(seeds, self.translator.z_dim).to(self.device)
        outputs = []
        # One sample per call throughout: kernels pick batch-size-dependent paths, and the
        # same input and seed must give the same pixels however many are asked for at once.
        for picture in pixels:
            # At full strength the input's own style has no weight: not encoding it saves
            # a style-encoder pass per input.
            mixed = (
                target
                if strength == 1
                else torch.lerp(self.own_embedding([picture]), target, strength)
            )
            source = to_float(picture)[None].to(self.device)
            for i in range(len(seeds)):
                code = self.translator.style_code_from_embedding(z[i : i + 1], mixed)
                outputs.append(to_uint8(self._translate(source, code))[0])
        return TranslationOutput(outputs, seeds, named, match)

    def _translate(self, batch: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        """Pad to the translator's multiple (edge pixels repeated), translate, crop back."""
        multiple = self.translator.config.multiple
        height, width = batch.shape[-2:]
        pad_h, pad_w = -height % multiple, -width % multiple
        padded = F.pad(batch, (0, pad_w, 0, pad_h), mode="replicate") if pad_h or pad_w else batch
        return self.translator(padded, code)[..., :height, :width]

    def render_text(
        self,
        text: str,
        to: StyleSpec | None = None,
        *,
        font: str | Path | None = None,
        source_style: str | None = None,
        fit: bool = False,
        **kwargs: object,
    ) -> TranslationOutput:
        """Draw each character of `text` in a source font, translate, and compose the line
        (one line per seed). Any character the source font has works, seen in training or
        not. The source font is `font`, or the built-in font of `source_style` (default: the
        style the model was trained from, `loss.paired_source`, else its hei style). With
        `fit`, the `reference` glyphs (files named after their characters) are drawn in the
        same source font and the style is fitted to those pairs."""
        glyphs = self.glyph_font(font, source_style)
        tiles = glyphs.render_line(text, self.size)
        if fit:
            references = kwargs.get("reference")
            kwargs["reference_sources"] = self.glyph_sources(references, font, source_style)  # type: ignore[arg-type]
        out = self(list(tiles), to, **kwargs)  # type: ignore[arg-type]
        per_seed = len(out.seeds)
        lines = [
            compose_line([out.tensors[i * per_seed + s] for i in range(len(tiles))])
            for s in range(per_seed)
        ]
        return TranslationOutput(lines, out.seeds, out.weights, out.prompt)

    @property
    def text_source(self) -> str | None:
        """The built-in font style text is drawn in by default (None: no built-in font)."""
        trained_from = self.meta.get("training", {}).get("paired_source")
        return default_source_style(self.style_names, trained_from)

    def glyph_font(self, font: str | Path | None, source_style: str | None) -> GlyphFont:
        return glyph_font_for(font, source_style or self.text_source, self.style_names)


def parse_size(text: str) -> SizePolicy:
    """A size policy as typed (`model`, `native` or a side in pixels); checked here so a
    bad value is refused before any image is read."""
    size: SizePolicy = int(text) if text.isdigit() else text
    if size in ("model", "native") or (isinstance(size, int) and 1 <= size <= MAX_SIDE):
        return size
    raise ConfigError(f"--size {text!r}: use model, native or a side of 1 to {MAX_SIDE} pixels")


def _is_single(value: object) -> bool:
    return isinstance(value, (str, Path, Image.Image, torch.Tensor))
