"""Lines of text on a printed page: the fonts for Latin, Cyrillic and Arabic, and a size that fits.

fpdf2 shapes each line with HarfBuzz (Arabic letters joined, right to left, mixed with Latin words and
digits in the right order) when text shaping is on. Every text is measured with fpdf2's own line breaking
before it is drawn, so what is drawn is what was measured and never runs past the column it was measured in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

FONTS = Path(__file__).with_name("fonts")
PT = 25.4 / 72
"""Millimetres in a typographic point."""

NARROW_NO_BREAK_SPACE = "\u202f"
SANS, NASKH = "sans", "naskh"
ARABIC_SCALE = 1.2
"""Naskh letters look smaller than Latin ones at the same size; this evens them out."""


@dataclass(frozen=True)
class Style:
    """How a kind of line looks: bold or not, its preferred size and the smallest size it may shrink to."""

    bold: bool
    largest: float
    smallest: float


@dataclass(frozen=True)
class Line:
    """A text measured for the page: its font, size and how many printed lines it takes."""

    text: str
    family: str
    bold: bool
    size: float
    count: int
    width: float

    @property
    def leading(self) -> float:
        """The height of one printed line, in mm."""
        return leading(self.family, self.size)

    @property
    def height(self) -> float:
        """The height of the whole text, in mm."""
        return self.leading * self.count


def leading(family: str, size: float) -> float:
    """The height of one printed line at this size, in mm: Naskh needs more room for its dots and descenders."""
    return size * PT * (1.55 if family == NASKH else 1.3)


def new_document(width: float, height: float) -> FPDF:
    """An empty one-page document with the bundled Noto fonts and text shaping on, in mm."""
    pdf = FPDF(unit="mm", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0
    for family, file in ((SANS, "NotoSans"), (NASKH, "NotoNaskhArabic")):
        pdf.add_font(family, "", FONTS / f"{file}-Regular.ttf")
        pdf.add_font(family, "B", FONTS / f"{file}-Bold.ttf")
    pdf.set_text_shaping(True)
    pdf.add_page()
    return pdf


def tidy(text: str) -> str:
    """The text with single spaces, since the layout chooses the line breaks (the caller's no-break spaces stay).

    The space French puts before ? ! : ; » and after « becomes a narrow no-break space, so that no line of
    a wrapped sentence starts with a question mark.
    """
    text = re.sub(r"[ \t\r\n]+", " ", text).strip()
    return re.sub(r"(?<=«) | (?=[?!:;»])", NARROW_NO_BREAK_SPACE, text)


def family_of(text: str) -> str:
    """Naskh for a text that is mostly Arabic, Noto Sans for the rest; each falls back on the other."""
    kinds = [unicodedata.bidirectional(char) for char in text]
    return NASKH if kinds.count("AL") + kinds.count("R") > kinds.count("L") else SANS


def use(pdf: FPDF, family: str, bold: bool, size: float) -> None:
    """Set the font, and the other family as fallback for a Latin word in Arabic or the reverse."""
    pdf.set_font(family, "B" if bold else "", size * (ARABIC_SCALE if family == NASKH else 1))
    pdf.set_fallback_fonts([NASKH if family == SANS else SANS])


def wrapped(pdf: FPDF, text: str, family: str, bold: bool, size: float, width: float) -> list[str]:
    """The printed lines fpdf2 would break the text into, at this size and width."""
    use(pdf, family, bold, size)
    lines = pdf.multi_cell(width, 5, text, align=Align.C, dry_run=True, output=MethodReturnValue.LINES)
    return cast(list[str], lines)


def measure(pdf: FPDF, text: str, family: str, bold: bool, size: float, width: float) -> Line:
    """The text at this size, wrapped in the narrowest column that needs no more lines than the full width.

    Wrapped lines then come out of even length ("Vous avez une idée d'entreprise ? / Parlons-en, dans votre
    langue.") rather than a full line and a lonely last word.
    """
    count = len(wrapped(pdf, text, family, bold, size, width))
    narrow, wide = width / (count + 1), width
    while count > 1 and wide - narrow > 0.5:
        middle = (narrow + wide) / 2
        if len(wrapped(pdf, text, family, bold, size, middle)) > count:
            narrow = middle
        else:
            wide = middle
    return Line(text, family, bold, size, count, wide)


def fit(pdf: FPDF, text: str, style: Style, width: float) -> Line:
    """The largest size (by half points) at which the text holds on one line, else the smallest, wrapped."""
    text = tidy(text)
    family = family_of(text)
    size = style.largest
    while size > style.smallest and len(wrapped(pdf, text, family, style.bold, size, width)) > 1:
        size -= 0.5
    return measure(pdf, text, family, style.bold, max(size, style.smallest), width)


def draw(pdf: FPDF, line: Line, x: float, y: float, width: float) -> None:
    """Draw the text centred in a column of this width, its first line's top at y."""
    use(pdf, line.family, line.bold, line.size)
    pdf.set_xy(x + (width - line.width) / 2, y)
    pdf.multi_cell(line.width, line.leading, line.text, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
