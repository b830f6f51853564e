"""The territory's partner guide, printed: for the desk and to hand out, in any of the seven languages.

An A4 page opens it: the title, a QR code to the bot, what the pictograms mean, and an index by need.
Then one card per partner: its name, pictograms for the stages and fields it helps with, what it does,
and how to reach it. Black on white, so that it photocopies; Arabic is shaped and set right to left by
fpdf2 with HarfBuzz, like the flyers. The same guide is also written as a small HTML page.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

from bot.printing.qr import QUIET_ZONE, code
from bot.printing.text import FONTS, NASKH, SANS

PICTO = "picto"
STAGE_SIGNS = {"idea": "✦", "preparing": "⚒", "launching": "➚", "launched": "★"}
FIELD_SIGNS = {
    "project": "⚙", "network": "☺", "financing": "€", "legal": "⚖", "training": "✎", "digital": "⌨",
    "language": "✍", "youth": "✿", "women": "♀", "qpv": "⌂", "social-economy": "♻", "test-activity": "⚗",
}  # fmt: skip
PHONE, EMAIL, PLACE, HOURS = "☎", "✉", "⚑", "◷"
WIDTH, HEIGHT, MARGIN = 210.0, 297.0, 15.0


@dataclass(frozen=True)
class Card:
    """One partner, its words already in the guide's language."""

    name: str
    what: str
    stages: tuple[str, ...]
    fields: tuple[str, ...]
    contacts: tuple[tuple[str, str], ...]  # (sign, text): ☎ phone, ✉ e-mail, ⚑ address, ◷ hours; the site as ("", url)
    free: str = ""  # "free of charge", in the guide's language, or empty


@dataclass(frozen=True)
class Guide:
    title: str
    intro: str
    rtl: bool
    legend: tuple[tuple[str, str], ...]  # (sign, meaning)
    index_title: str
    index: tuple[tuple[str, tuple[str, ...]], ...]  # (a need, the partners for it)
    cards: tuple[Card, ...]
    link: str | None = None  # the bot's link, drawn as a QR code
    link_caption: str = ""


def signs(card: Card) -> str:
    return " ".join(STAGE_SIGNS[s] for s in card.stages) + "   " + " ".join(FIELD_SIGNS[f] for f in card.fields)


class Printer:
    """Draws a guide top to bottom, starting a page when the next block would not fit."""

    def __init__(self, guide: Guide) -> None:
        self.guide = guide
        self.pdf = FPDF(unit="mm", format="A4")
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.pdf.set_auto_page_break(False)
        for family, file in ((SANS, "NotoSans"), (NASKH, "NotoNaskhArabic")):
            self.pdf.add_font(family, "", FONTS / f"{file}-Regular.ttf")
            self.pdf.add_font(family, "B", FONTS / f"{file}-Bold.ttf")
        self.pdf.add_font(PICTO, "", FONTS / "Pictograms.ttf")
        self.pdf.set_text_shaping(True)
        self.align = Align.R if guide.rtl else Align.L
        self.family = NASKH if guide.rtl else SANS

    def font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size * (1.15 if self.guide.rtl else 1))
        self.pdf.set_fallback_fonts([SANS if self.guide.rtl else NASKH, PICTO])

    def height(self, text: str, size: float, width: float, bold: bool = False) -> float:
        self.font(size, bold)
        lines = self.pdf.multi_cell(
            width, size * 0.5, text, align=self.align, dry_run=True, output=MethodReturnValue.LINES
        )
        return len(cast(list[str], lines)) * size * 0.5

    def write(self, text: str, size: float, width: float, bold: bool = False, x: float = MARGIN) -> None:
        self.font(size, bold)
        self.pdf.set_x(x)
        self.pdf.multi_cell(width, size * 0.5, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def room(self, needed: float) -> None:
        if self.pdf.get_y() + needed > HEIGHT - MARGIN:
            self.pdf.add_page()

    def first_page(self) -> None:
        guide, pdf = self.guide, self.pdf
        pdf.add_page()
        text_width = WIDTH - 2 * MARGIN
        if guide.link:
            size = 32.0
            x = MARGIN if guide.rtl else WIDTH - MARGIN - size
            png = io.BytesIO()
            code(guide.link).save(png, kind="png", border=QUIET_ZONE, scale=10, dark="#000", light="#fff")
            pdf.image(png, x=x, y=MARGIN, w=size, h=size)
            self.font(8)
            pdf.set_xy(x, MARGIN + size)
            pdf.multi_cell(size, 4, guide.link_caption, align=Align.C)
            text_width -= size + 5
        pdf.set_y(MARGIN)
        left = MARGIN + (WIDTH - 2 * MARGIN - text_width if guide.rtl else 0)
        self.write(guide.title, 20, text_width, bold=True, x=left)
        pdf.ln(2)
        self.write(guide.intro, 11, text_width, x=left)
        pdf.set_y(max(pdf.get_y(), MARGIN + 42) + 4)
        legend = "   ".join(f"{sign} {meaning}" for sign, meaning in guide.legend)
        self.write(legend, 9, WIDTH - 2 * MARGIN)
        pdf.ln(4)
        self.write(guide.index_title, 13, WIDTH - 2 * MARGIN, bold=True)
        for need, names in guide.index:
            line = f"{need} : {', '.join(names)}" if not guide.rtl else f"{need}: {'، '.join(names)}"
            self.room(self.height(line, 9.5, WIDTH - 2 * MARGIN) + 1)
            self.write(line, 9.5, WIDTH - 2 * MARGIN)
            pdf.ln(1)
        pdf.ln(4)

    def card(self, card: Card) -> None:
        width = WIDTH - 2 * MARGIN
        contacts = [f"{sign} {text}".strip() for sign, text in card.contacts]
        parts = [(card.name, 12.5, True), (signs(card), 12.0, False), (card.what, 10.0, False)]
        if card.free:
            parts.append((card.free, 9.5, True))
        parts += [(line, 9.0, False) for line in contacts]
        needed = sum(self.height(text, size, width, bold) + 0.8 for text, size, bold in parts) + 6
        self.room(needed)
        top = self.pdf.get_y()
        for text, size, bold in parts:
            self.write(text, size, width, bold)
            self.pdf.ln(0.8)
        self.pdf.set_draw_color(160)
        self.pdf.line(MARGIN, top - 2, WIDTH - MARGIN, top - 2)
        self.pdf.ln(4)

    def document(self) -> FPDF:
        self.first_page()
        for card in self.guide.cards:
            self.card(card)
        return self.pdf


def write_pdf(guide: Guide, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Printer(guide).document().output(str(path))
    return path


def write_html(guide: Guide, path: Path) -> Path:
    """The same guide as one HTML page (for a website, or to print from a browser)."""
    e = html.escape
    direction = "rtl" if guide.rtl else "ltr"
    legend = "".join(f"<li><span class=s>{e(sign)}</span> {e(meaning)}</li>" for sign, meaning in guide.legend)
    index = "".join(f"<li><b>{e(need)}</b> : {e(', '.join(names))}</li>" for need, names in guide.index)
    cards = []
    for card in guide.cards:
        contacts = "".join(
            f'<li><a href="{e(text)}">{e(text)}</a></li>' if not sign else f"<li>{e(sign)} {e(text)}</li>"
            for sign, text in card.contacts
        )
        free = f"<p><b>{e(card.free)}</b></p>" if card.free else ""
        cards.append(
            f"<section><h2>{e(card.name)}</h2><p class=s>{e(signs(card))}</p><p>{e(card.what)}</p>{free}"
            f"<ul>{contacts}</ul></section>"
        )
    link = f'<p><a href="{e(guide.link)}">{e(guide.link_caption)} {e(guide.link)}</a></p>' if guide.link else ""
    page = (
        f'<!doctype html><html dir="{direction}"><head><meta charset="utf-8"><title>{e(guide.title)}</title>'
        "<style>body{font-family:sans-serif;max-width:48em;margin:auto;padding:1em}.s{font-size:1.3em}"
        "section{border-top:1px solid #999;padding-top:.5em}</style></head><body>"
        f"<h1>{e(guide.title)}</h1><p>{e(guide.intro)}</p>{link}<ul>{legend}</ul>"
        f"<h2>{e(guide.index_title)}</h2><ul>{index}</ul>{''.join(cards)}</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
