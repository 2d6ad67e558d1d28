from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from polystyle.config import DataConfig
from polystyle.data import images as images_module
from polystyle.data.images import ImageProblem, decode_image, read_bytes

CFG = DataConfig(size=16)


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def rgb(size: tuple[int, int], colour: tuple[int, int, int]) -> Image.Image:
    return Image.new("RGB", size, colour)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF"])
def test_every_supported_format_decodes_to_square(fmt: str) -> None:
    decoded = decode_image(encode(rgb((40, 40), (200, 30, 30)), fmt), CFG)
    assert decoded.pixels.shape == (16, 16, 3)
    assert decoded.pixels.dtype == np.uint8
    red = decoded.pixels[8, 8]
    assert red[0] > 150 and red[1] < 90 and red[2] < 90
    assert not decoded.grey


def test_greyscale_is_detected_for_l_and_for_grey_rgb() -> None:
    assert decode_image(encode(Image.new("L", (20, 20), 90), "PNG"), CFG).grey
    grey_rgb = decode_image(encode(rgb((20, 20), (90, 90, 90)), "PNG"), CFG)
    assert grey_rgb.grey and grey_rgb.pixels.shape == (16, 16, 3)


def test_rgba_and_la_are_composited_on_white() -> None:
    rgba = Image.new("RGBA", (16, 16), (255, 0, 0, 0))
    rgba.putpixel((0, 0), (255, 0, 0, 255))
    decoded = decode_image(encode(rgba, "PNG"), CFG)
    assert decoded.pixels[8, 8].tolist() == [255, 255, 255]
    assert decoded.pixels[0, 0].tolist() == [255, 0, 0]
    la = decode_image(encode(Image.new("LA", (16, 16), (0, 0)), "PNG"), CFG)
    assert la.grey and int(la.pixels.min()) == 255


def test_palette_with_transparency_is_composited_on_white() -> None:
    palette = Image.new("P", (16, 16), 1)
    palette.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    palette.info["transparency"] = 1
    decoded = decode_image(encode(palette, "PNG", transparency=1), CFG)
    assert decoded.pixels[5, 5].tolist() == [255, 255, 255]


def test_cmyk_jpeg_is_converted_to_rgb() -> None:
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # pure red in CMYK
    decoded = decode_image(encode(cmyk, "JPEG"), CFG)
    r, g, b = decoded.pixels[8, 8].tolist()
    assert r > 200 and g < 60 and b < 60


def test_sixteen_bit_png_is_scaled_to_eight_bits() -> None:
    values = np.zeros((16, 16), dtype=np.uint16)
    values[:, 8:] = 65535
    values[:, :8] = 32896
    decoded = decode_image(encode(Image.fromarray(values), "PNG"), CFG)
    assert decoded.grey
    assert decoded.pixels[4, 2, 0] == 128
    assert decoded.pixels[4, 12, 0] == 255


def test_gif_uses_the_first_frame() -> None:
    frames = [rgb((16, 16), (255, 0, 0)), rgb((16, 16), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    decoded = decode_image(buffer.getvalue(), CFG)
    r, _, b = decoded.pixels[8, 8].tolist()
    assert r > 200 and b < 50


def test_pad_keeps_aspect_and_pads_with_background() -> None:
    decoded = decode_image(encode(rgb((32, 16), (0, 0, 0)), "PNG"), CFG)
    assert decoded.pixels[0].min() == 255  # top padding row
    assert decoded.pixels[15].min() == 255  # bottom padding row
    assert decoded.pixels[8].max() == 0  # middle row is the image


def test_crop_fills_the_square_from_the_centre() -> None:
    wide = np.zeros((16, 32, 3), dtype=np.uint8)
    wide[:, :8] = 255  # left quarter white: cropped away
    wide[:, 24:] = 255  # right quarter white: cropped away
    decoded = decode_image(encode(Image.fromarray(wide), "PNG"), DataConfig(size=16, fit="crop"))
    assert decoded.pixels.max() == 0


def test_exif_orientation_is_applied() -> None:
    tall = np.zeros((32, 16, 3), dtype=np.uint8)  # stored 16 wide, 32 tall
    image = Image.fromarray(tall)
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90: displayed 32 wide, 16 tall
    decoded = decode_image(encode(image, "JPEG", exif=exif), CFG)
    assert decoded.pixels[0].min() > 240  # padding above a wide image
    assert decoded.pixels[8].max() < 20


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", "empty"),
        (b"hello, I am a text file\n", "not-an-image"),
        (encode(rgb((64, 64), (1, 2, 3)), "PNG")[:120], "corrupt"),
        (encode(Image.effect_noise((64, 64), 50).convert("RGB"), "JPEG")[:400], "corrupt"),
    ],
    ids=["zero-byte", "text-as-png", "truncated-png", "truncated-jpeg"],
)
def test_bad_content_raises_image_problem(data: bytes, kind: str) -> None:
    with pytest.raises(ImageProblem) as info:
        decode_image(data, CFG)
    assert info.value.kind == kind
    assert info.value.fix


def test_pixel_limit_guards_and_can_be_raised() -> None:
    big = encode(rgb((300, 300), (9, 9, 9)), "PNG")
    with pytest.raises(ImageProblem) as info:
        decode_image(big, DataConfig(size=16, max_pixels=50_000))
    assert info.value.kind == "too-large"
    assert "--max-pixels" in info.value.fix
    assert decode_image(big, DataConfig(size=16, max_pixels=90_000)).pixels.shape == (16, 16, 3)


def test_pixel_limit_does_not_leak_into_pillow_global() -> None:
    before = Image.MAX_IMAGE_PIXELS
    decode_image(encode(rgb((20, 20), (0, 0, 0)), "PNG"), CFG)
    assert before == Image.MAX_IMAGE_PIXELS


def test_permission_denied_becomes_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(path, mode="r"):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(images_module, "open", denied, raising=False)
    with pytest.raises(ImageProblem) as info:
        read_bytes("/some/file.png")
    assert info.value.kind == "unreadable"
    assert "chmod" in info.value.fix
