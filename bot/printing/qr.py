"""The QR code of an outreach link, coded and sized to be read from a printed page by any phone."""

from __future__ import annotations

import math
from pathlib import Path

import segno

QUIET_ZONE = 4
"""White modules around the code: the standard's minimum, without which many phone cameras fail."""

PRINT_DPI = 300
PRINT_WIDTH_MM = 50
"""The PNG and SVG print 5 cm wide (quiet zone included): read from 30 cm and more, and it fits an A6 flyer."""


def code(link: str) -> segno.QRCode:
    """The link's QR code: level Q (survives a fold or a smudge) when it fits in the same size as M, else M.

    A bigger code has smaller modules, which a cheap camera reads less well than a damaged one. A regular
    QR code always, never a Micro QR, which most phone cameras cannot read.
    """
    if not link:
        raise ValueError("an empty link has no QR code")
    medium = segno.make_qr(link, error="m", boost_error=False)
    quartile = segno.make_qr(link, error="q", boost_error=False)
    return quartile if quartile.version == medium.version else medium


def write_qr(link: str, folder: Path, name: str) -> tuple[Path, Path]:
    """Write ``<name>.svg`` and ``<name>.png`` in ``folder``: the link's QR code, black on white, 5 cm wide.

    The SVG is for a designer's layout (vector, sized in millimetres); the PNG for word processors and
    messages, with 300 dpi recorded in it so that it prints at the same 5 cm. Returns (svg, png).
    """
    if not name or Path(name).name != name:
        raise ValueError(f"the file name {name!r} must be a plain name, without a folder")
    qr = code(link)
    width = qr.symbol_size(border=QUIET_ZONE)[0]
    folder.mkdir(parents=True, exist_ok=True)
    svg, png = folder / f"{name}.svg", folder / f"{name}.png"
    qr.save(str(svg), kind="svg", border=QUIET_ZONE, scale=PRINT_WIDTH_MM / width, unit="mm", dark="#000", light="#fff")
    scale = math.ceil(PRINT_WIDTH_MM / 25.4 * PRINT_DPI / width)
    qr.save(str(png), kind="png", border=QUIET_ZONE, scale=scale, dark="#000", light="#fff", dpi=PRINT_DPI)
    return svg, png
