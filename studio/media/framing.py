"""How a picture or clip whose shape differs from the video's is framed.

Three framings: **fill** covers the frame and crops the overflow, keeping the creator's focal
point in view (a face at the left of a 16:9 clip cut to 9:16); **fit-blur** shows the whole
picture over a blurred, darkened copy of itself that covers the frame; **fit-colour** shows the
whole picture on a flat colour. Pictures are composed once here (Pillow) and then moved by the
segment's Ken Burns as before; clips are framed in the filter graph, each frame.

The blurred backdrop is made from a copy ``BACKDROP_SHRINK`` times smaller than the frame and
scaled back up: blurring the small copy is cheap and looks the same as blurring the big one.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from studio.errors import InputError
from studio.framing_kinds import FIT_COLOUR, FRAMINGS, is_unit

#: How far the Ken Burns zooms (or, for pans, how much wider than the frame the picture is).
KEN_BURNS_ZOOM = 0.08

#: The focal point's default: the picture's centre (a plain centred crop, as before framings).
CENTRE = (0.5, 0.5)
DEFAULT_FIT_COLOUR = "#000000"
#: The blurred backdrop is made at 1/16 of the frame's size, then scaled up.
BACKDROP_SHRINK = 16
#: The backdrop's blur radius at that small size (16 px at full size: soft, no detail left).
BACKDROP_BLUR = 1.0
#: The backdrop's brightness (0 black .. 1 unchanged): dark enough that the picture stands out.
BACKDROP_BRIGHTNESS = 0.55


def check_framing(
    framing: str, focal: tuple[float, float], fit_colour: str, motion_amount: float | None
) -> None:
    """Refuse values no render can use.

    Raises:
        InputError: an unknown framing, a focal point outside 0..1, a colour that is not
            "#rrggbb", or a motion amount outside 0..1.
    """
    if framing not in FRAMINGS:
        raise InputError(
            f"Studio doesn't know the framing {framing!r}",
            fix="Choose one of " + ", ".join(FRAMINGS),
        )
    if len(focal) != 2 or not all(is_unit(v) for v in focal):
        raise InputError(
            f"A focal point must be two numbers from 0 to 1, not {focal!r}",
            fix="Drag the focal point inside the picture",
        )
    if not isinstance(fit_colour, str) or not FIT_COLOUR.match(fit_colour):
        raise InputError(
            f"A colour must be written #rrggbb, not {fit_colour!r}", fix="Pick the colour again"
        )
    if motion_amount is not None and not is_unit(motion_amount):
        raise InputError(
            f"The motion's amount must be from 0 to 1, not {motion_amount!r}",
            fix="Set the amount with the slider",
        )



def fill_filter(
    width: int, height: int, in_matrix: str | None = None, focal: tuple[float, float] = CENTRE
) -> str:
    """Scale to cover ``width`` x ``height`` and crop the overflow around ``focal``.

    The crop window is centred on the focal point where it can be and clamped inside the
    picture. Output is BT.709 limited range; naming the input's matrix (``in_matrix``) lets a
    clip that already matches pass through unconverted. The centre gives exactly the filter
    Studio used before focal points (so existing renders are unchanged).
    """
    source = f":in_color_matrix={in_matrix}" if in_matrix else ""
    crop = f"crop={width}:{height}"
    if tuple(focal) != CENTRE:
        fx, fy = focal
        crop += f":x='clip(iw*{fx:.4f}-ow/2,0,iw-ow)':y='clip(ih*{fy:.4f}-oh/2,0,ih-oh)'"
    return (
        f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic{source}"
        f":out_color_matrix=bt709:out_range=tv,{crop},setsar=1,format=yuv420p"
    )


def clip_fit_filter(width: int, height: int, framing: str, fit_colour: str, in_matrix: str) -> str:
    """The filter graph piece that fits each frame of a clip whole inside the frame.

    It continues a chain (no input label) and ends on one stream in yuv420p BT.709, like
    ``fill_filter``: "fit-colour" pads with the colour, "fit-blur" overlays the fitted frame
    on a blurred copy made small (``BACKDROP_SHRINK``) and scaled back up.
    """
    convert = f":in_color_matrix={in_matrix}:out_color_matrix=bt709:out_range=tv"
    fit = (
        f"scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2"
        f":flags=bicubic{convert},setsar=1,format=yuv420p"
    )
    if framing == "fit-colour":
        colour = "0x" + fit_colour.lstrip("#")
        return f"{fit},pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color={colour}"
    small_w, small_h = _small(width), _small(height)
    level = BACKDROP_BRIGHTNESS
    backdrop = (
        f"scale={small_w}:{small_h}:force_original_aspect_ratio=increase:flags=bilinear{convert},"
        f"crop={small_w}:{small_h},format=yuv420p,gblur=sigma={BACKDROP_BLUR},"
        f"lutyuv=y='16+(val-16)*{level}':u='128+(val-128)*{level}':v='128+(val-128)*{level}',"
        f"scale={width}:{height}:flags=bilinear,setsar=1"
    )
    return (
        f"split[fitfront][fitback];[fitback]{backdrop}[fitbackdrop];[fitfront]{fit}[fitted];"
        f"[fitbackdrop][fitted]overlay=x=(W-w)/2:y=(H-h)/2:format=yuv420,format=yuv420p"
    )


def _small(pixels: int) -> int:
    """``pixels`` divided by ``BACKDROP_SHRINK``, even and at least 2."""
    return max(2, round(pixels / BACKDROP_SHRINK / 2) * 2)


def compose_picture(
    source: Path, width: int, height: int, framing: str, fit_colour: str, target: Path
) -> Path:
    """``source`` fitted whole in a ``width`` x ``height`` frame, saved as PNG at ``target``.

    The backdrop is the flat ``fit_colour`` ("fit-colour") or a blurred, darkened copy of the
    picture covering the frame ("fit-blur"). The picture is turned upright first (EXIF).

    Raises:
        InputError: the picture can't be read.
    """
    try:
        with Image.open(source) as img:
            picture = ImageOps.exif_transpose(img).convert("RGB")
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(
            "This picture is damaged or can't be used",
            where=str(source),
            fix="Choose another picture",
        ) from exc
    fitted = ImageOps.contain(picture, (width, height), Image.Resampling.LANCZOS)
    if framing == "fit-colour":
        canvas = Image.new("RGB", (width, height), fit_colour)
    else:
        canvas = _backdrop(picture, width, height)
    canvas.paste(fitted, ((width - fitted.width) // 2, (height - fitted.height) // 2))
    canvas.save(target, format="PNG", compress_level=1)
    return target


def _backdrop(picture: Image.Image, width: int, height: int) -> Image.Image:
    """A blurred, darkened copy of ``picture`` covering ``width`` x ``height``."""
    small = ImageOps.fit(picture, (_small(width), _small(height)), Image.Resampling.BILINEAR)
    small = small.filter(ImageFilter.GaussianBlur(BACKDROP_BLUR))
    small = ImageEnhance.Brightness(small).enhance(BACKDROP_BRIGHTNESS)
    return small.resize((width, height), Image.Resampling.BILINEAR)


def motion_expressions(
    motion: str, frames: int, amount: float | None = None
) -> tuple[str, str, str]:
    """zoompan's zoom, x and y expressions for ``motion`` over ``frames`` frames.

    ``amount`` is how far it goes (``KEN_BURNS_ZOOM`` when None): the zoom's growth, or for
    a pan how much bigger than the frame the picture is (the pan crosses all of the excess).
    """
    a = KEN_BURNS_ZOOM if amount is None else amount
    p = f"(on/{max(frames - 1, 1)})"
    centre_x, centre_y = "(iw-iw/zoom)/2", "(ih-ih/zoom)/2"
    if motion == "zoom-in":
        return f"1+{a}*{p}", centre_x, centre_y
    if motion == "zoom-out":
        return f"1+{a}*(1-{p})", centre_x, centre_y
    if motion == "pan-right":
        return f"{1 + a}", f"(iw-iw/zoom)*{p}", centre_y
    if motion == "pan-down":
        return f"{1 + a}", centre_x, f"(ih-ih/zoom)*{p}"
    if motion == "pan-up":
        return f"{1 + a}", centre_x, f"(ih-ih/zoom)*(1-{p})"
    return f"{1 + a}", f"(iw-iw/zoom)*(1-{p})", centre_y  # pan-left
