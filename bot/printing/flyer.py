"""A one-page flyer for an outreach campaign: the place's name, an invitation in each language, a big QR code.

Plain black on white, so that it photocopies and prints on any office printer. French comes first (it is the
territory's common language), then the other languages in the order the coordinator chose. Every line is
measured before it is drawn: it shrinks to fit the page's width, then wraps; the QR code takes the height
left, and a text too long for any readable QR code is refused with what to do, never cut off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.drawing_primitives import DeviceGray
from fpdf.enums import PathPaintRule

from bot.printing.qr import QUIET_ZONE, code
from bot.printing.text import Line, Style, draw, family_of, fit, leading, measure, new_document, tidy, wrapped

PAGES = {"A6": (105.0, 148.0), "A5": (148.0, 210.0)}
"""Portrait sizes in mm (ISO 216). Everything on the page is drawn for A6 and scaled up for A5."""


@dataclass(frozen=True)
class Look:
    """Sizes on an A6 page (mm and points), multiplied by ``scale`` for a larger page.

    The smallest sizes are not scaled: what is readable on A6 is readable on A5, so a larger page takes
    more text rather than the same text larger.
    """

    scale: float = 1.0
    margin: float = 8.0
    gap: float = 3.0
    between: float = 1.5  # between two languages' invitations
    qr_largest: float = 72.0  # quiet zone included
    qr_comfortable: float = 50.0  # quiet zone included
    symbol_smallest: float = 30.0  # the code itself: a phone reads a code a tenth of its distance wide, from 30 cm

    def mm(self, value: float) -> float:
        """A length at this page's scale."""
        return value * self.scale

    def style(self, bold: bool, largest: float, smallest: float) -> Style:
        """A kind of line at this page's scale."""
        return Style(bold, largest * self.scale, smallest)


def languages_in_order(languages: Sequence[str]) -> list[str]:
    """French first, then the chosen languages in the order given, each once."""
    return list(dict.fromkeys(["fr", *languages]))


def texts_for(order: list[str], texts: Mapping[str, str], what: str) -> list[str]:
    """The text of each language, or a clear error naming the languages that have none."""
    missing = [language for language in order if not texts.get(language, "").strip()]
    if missing:
        raise ValueError(f"no {what} for {', '.join(missing)}: give one per language of the flyer")
    return [texts[language] for language in order]


def invitation_size(
    pdf: FPDF, texts: list[str], style: Style, width: float, room: float, *, readable: float, comfortable: float
) -> float:
    """One size for every language's invitation, the largest that leaves the QR code enough room.

    ``room`` is the height left for the invitations and the QR code; ``readable`` and ``comfortable`` are
    sizes of the QR code, quiet zone included. First choice: each invitation on at most two lines and a
    comfortable QR code; then at most two lines and a readable one; then the largest size that leaves a
    readable one, wrapped as it must. Raises ValueError when even the smallest size leaves no room for a
    readable QR code.
    """
    two_lines: float | None = None
    wrapped_more: float | None = None
    size = style.largest
    while size >= style.smallest:
        counts = [len(wrapped(pdf, text, family_of(text), style.bold, size, width)) for text in texts]
        left = room - sum(count * leading(family_of(text), size) for count, text in zip(counts, texts, strict=True))
        if max(counts) <= 2 and left >= max(comfortable, readable):
            return size
        if max(counts) <= 2 and left >= readable:
            two_lines = two_lines or size
        elif left >= readable:
            wrapped_more = wrapped_more or size
        size -= 0.5
    chosen = two_lines or wrapped_more
    if chosen is None:
        raise ValueError("the texts leave no room for a readable QR code")
    return chosen


@dataclass(frozen=True)
class Plan:
    """Every line of the flyer measured, and the room left for the QR code."""

    heading: Line
    invitations: tuple[Line, ...]
    small: Line
    free: Line
    qr: float
    extra: float
    """Space left over, shared between the gaps around the invitations and the QR code."""


def plan(pdf: FPDF, page: str, look: Look, title: str, invitations: list[str], link: str, free: str) -> Plan:
    """Measure the flyer's texts and size the QR code; ValueError with what to do if they cannot fit."""
    width, height = PAGES[page]
    column, gap = width - 2 * look.mm(look.margin), look.mm(look.gap)
    heading = fit(pdf, title, look.style(True, 24, 14), column)
    small = fit(pdf, link, look.style(False, 7, 5.5), column)
    free_line = fit(pdf, free, look.style(True, 13, 9), column)
    room = height - 2 * look.mm(look.margin) - 3 * gap - heading.height - small.height - free_line.height
    room -= (len(invitations) - 1) * look.mm(look.between)
    modules = len(code(link).matrix)
    readable = look.symbol_smallest * (modules + 2 * QUIET_ZONE) / modules
    comfortable, style = look.mm(look.qr_comfortable), look.style(False, 12, 8.5)
    try:
        size = invitation_size(pdf, invitations, style, column, room, readable=readable, comfortable=comfortable)
    except ValueError as error:
        advice = ", or print on A5" if page == "A6" else ""
        raise ValueError(f"{error} on {page}: shorten them, choose fewer languages{advice}") from None
    lines = tuple(measure(pdf, text, family_of(text), False, size, column) for text in invitations)
    room -= sum(line.height for line in lines)
    qr = min(look.mm(look.qr_largest), room)
    return Plan(heading, lines, small, free_line, qr, (room - qr) / 3)


def draw_qr(pdf: FPDF, link: str, x: float, y: float, size: float) -> None:
    """Draw the link's QR code as vector squares, quiet zone included, in a size x size square at (x, y).

    Dark modules are merged into runs along each row and filled as one path, so no hairline shows between
    modules at any zoom or printer resolution.
    """
    matrix = code(link).matrix
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    with pdf.new_path(paint_rule=PathPaintRule.FILL_NONZERO) as path:
        path.style.fill_color = DeviceGray(0)
        for row, cells in enumerate(matrix):
            start = None
            for column, dark in enumerate([*cells, 0]):
                if dark and start is None:
                    start = column
                elif not dark and start is not None:
                    left, top = x + (QUIET_ZONE + start) * module, y + (QUIET_ZONE + row) * module
                    path.rectangle(left, top, (column - start) * module, module)
                    start = None


def write_flyer(
    folder: Path,
    name: str,
    link: str,
    title: str,
    languages: Sequence[str],
    invitations: Mapping[str, str],
    free_line: Mapping[str, str],
    page: str = "A6",
) -> Path:
    """Write ``<name>.pdf`` in ``folder``: a one-page flyer whose QR code opens ``link``, and return its path.

    ``title`` is the neighbourhood or the event; ``invitations`` and ``free_line`` give, per language code,
    the invitation and the words saying it is free, already translated. French is always on the flyer.
    ``page`` is "A6" (a flyer, the default) or "A5" (a small poster).
    """
    if page not in PAGES:
        raise ValueError(f"unknown page size {page!r}: choose one of {', '.join(PAGES)}")
    if not name or Path(name).name != name:
        raise ValueError(f"the file name {name!r} must be a plain name, without a folder")
    if not title.strip():
        raise ValueError("a flyer needs a title: the neighbourhood or the event")
    order = languages_in_order(languages)
    invitation_texts = [tidy(text) for text in texts_for(order, invitations, "invitation text")]
    free_text = " · ".join(dict.fromkeys(tidy(text) for text in texts_for(order, free_line, "line saying it is free")))

    width, height = PAGES[page]
    look = Look(scale=width / PAGES["A6"][0])
    pdf = new_document(width, height)
    pdf.set_title(f"{title} · {link}")
    pdf.set_creator("Tremplin")
    pdf.set_lang("fr")
    layout = plan(pdf, page, look, title, invitation_texts, link, free_text)
    margin, column, gap = look.mm(look.margin), width - 2 * look.mm(look.margin), look.mm(look.gap)

    y = margin
    draw(pdf, layout.heading, margin, y, column)
    y += layout.heading.height + gap + layout.extra
    for line in layout.invitations:
        draw(pdf, line, margin, y, column)
        y += line.height + look.mm(look.between)
    y += gap + layout.extra - look.mm(look.between)
    draw_qr(pdf, link, (width - layout.qr) / 2, y, layout.qr)
    y += layout.qr
    draw(pdf, layout.small, margin, y, column)
    y += layout.small.height + gap + layout.extra
    draw(pdf, layout.free, margin, y, column)

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.pdf"
    pdf.output(str(path))
    return path
