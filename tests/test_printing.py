"""A coordinator prints a campaign's flyer: phones read its QR code, and every language reads on the page.

The checks use the tools a reader would: zbarimg reads the QR code like a phone, poppler's pdftotext and
pdfinfo read the PDF as a screen reader or a search would, pdftoppm prints it to pixels.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from bot.printing import write_flyer, write_qr

LINK = "https://t.me/TremplinBot?start=cp-croix-de-neyrat-3"
INVITATIONS = {
    "fr": "Vous avez une idée d'entreprise ? Parlons-en, dans votre langue.",
    "ar": "عندك فكرة مشروع؟ لنتحدث عنها بلغتك.",
    "tr": "Bir iş fikriniz mi var? Kendi dilinizde konuşalım.",
    "uk": "Маєте ідею власної справи? Поговорімо про неї вашою мовою.",
}
FREE = {"fr": "Gratuit", "ar": "مجاني", "tr": "Ücretsiz", "uk": "Безкоштовно"}
MM_PER_PT = 25.4 / 72
MARGIN_PT = 8 / MM_PER_PT
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def tool(name: str, package: str) -> str:
    """The command's path; skipped on a machine without it, but CI (.ci/run installs it) fails instead."""
    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not installed (apt-get install {package}); .ci/run installs it"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout


def decoded(image: Path) -> list[str]:
    """What a phone reads in the image: one line per QR code found."""
    result = subprocess.run(
        [tool("zbarimg", "zbar-tools"), "--quiet", "--raw", str(image)], capture_output=True, text=True, timeout=60
    )
    return result.stdout.splitlines()


def pdf_text(pdf: Path) -> str:
    return run(tool("pdftotext", "poppler-utils"), "-enc", "UTF-8", str(pdf), "-")


def words(text: str) -> str:
    """Text reduced to its words in reading order, for comparing what was written with what pdftotext reads.

    Presentation forms become plain letters (NFKC), invisible direction marks go, and so does punctuation:
    pdftotext puts the full stop that ends a right-to-left line at the line's start, where it is drawn.
    """
    text = unicodedata.normalize("NFKC", text)
    kept = "".join(" " if unicodedata.category(char)[0] in "PZ" else char for char in text)
    kept = "".join(char for char in kept if unicodedata.category(char) != "Cf")
    return " ".join(kept.split())


def page_size_mm(pdf: Path) -> tuple[int, list[float]]:
    """(number of pages, [width, height] in mm) as pdfinfo reports them."""
    info = run(tool("pdfinfo", "poppler-utils"), str(pdf))
    pages = re.search(r"^Pages:\s+(\d+)", info, re.M)
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert pages is not None and size is not None, info
    return int(pages.group(1)), [float(size.group(1)) * MM_PER_PT, float(size.group(2)) * MM_PER_PT]


def words_outside_the_margins(pdf: Path) -> list[str]:
    """Words whose box crosses the side margins (8 mm) or leaves the page, as pdftotext -bbox measures them."""
    html = run(tool("pdftotext", "poppler-utils"), "-bbox", "-enc", "UTF-8", str(pdf), "-")
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    assert page is not None and WORD.search(html), html
    width, height = float(page.group(1)), float(page.group(2))
    outside = []
    for word in WORD.finditer(html):
        left, top, right, bottom = (float(word.group(place)) for place in range(1, 5))
        if left < MARGIN_PT - 1 or right > width - MARGIN_PT + 1 or top < 0 or bottom > height:
            outside.append(f"{word.group(5)} at x {left:.0f}-{right:.0f}, y {top:.0f}-{bottom:.0f} pt")
    return outside


def printed(pdf: Path, folder: Path) -> Path:
    """The page as a 150 dpi picture, as a phone camera would see it printed."""
    run(tool("pdftoppm", "poppler-utils"), "-r", "150", "-png", "-singlefile", str(pdf), str(folder / "printed"))
    return folder / "printed.png"


def test_the_qr_code_reads_back_as_exactly_the_link_and_prints_5_cm_wide(tmp_path):
    svg, png = write_qr(LINK, tmp_path / "campaign", "croix-de-neyrat-3")

    assert (svg.name, png.name) == ("croix-de-neyrat-3.svg", "croix-de-neyrat-3.png")
    assert decoded(png) == [LINK]
    with Image.open(png) as image:
        dpi = image.info["dpi"][0]
        assert round(image.width / dpi * 25.4) >= 50, "too small to read from 30 cm once printed"
    assert re.search(r'width="5\d(\.\d+)?mm"', svg.read_text(encoding="utf-8"))


def test_the_flyer_is_one_a6_page_french_first_then_the_chosen_languages_arabic_in_reading_order(tmp_path):
    pdf = write_flyer(tmp_path, "croix", LINK, "Croix-de-Neyrat", ["ar", "tr"], INVITATIONS, FREE)

    pages, size = page_size_mm(pdf)
    assert pages == 1
    assert [round(side) for side in size] == [105, 148]
    text = words(pdf_text(pdf))
    assert words("Croix-de-Neyrat") in text
    found = [text.find(words(INVITATIONS[language])) for language in ("fr", "ar", "tr")]
    assert -1 not in found, text
    assert found == sorted(found), "French first, then Arabic and Turkish as chosen"
    assert words(INVITATIONS["uk"]) not in text
    for free in ("Gratuit", "مجاني", "Ücretsiz"):
        assert words(free) in text
    assert LINK in pdf_text(pdf).replace("\n", "")
    assert decoded(printed(pdf, tmp_path)) == [LINK]


def test_an_a5_flyer_has_every_language_it_was_given(tmp_path):
    pdf = write_flyer(tmp_path, "poster", LINK, "Forum entreprendre", ["tr", "uk", "ar"], INVITATIONS, FREE, page="A5")

    pages, size = page_size_mm(pdf)
    assert pages == 1
    assert [round(side) for side in size] == [148, 210]
    text = words(pdf_text(pdf))
    found = [text.find(words(INVITATIONS[language])) for language in ("fr", "tr", "uk", "ar")]
    assert -1 not in found and found == sorted(found), text


def test_a_very_long_title_and_invitation_wrap_within_the_margins_and_the_qr_code_still_reads(tmp_path):
    title = "Quartiers Nord : Croix-de-Neyrat, Champratel, Les Vergnes, La Gauthière et Saint-Jacques réunis"
    invitations = dict(
        INVITATIONS,
        fr="Vous avez une idée d'entreprise, un projet de commerce, d'artisanat, de service à la personne ou de "
        "restauration ? Parlons-en ensemble, gratuitement, dans votre langue, près de chez vous.",
        ar="عندك فكرة مشروع تجاري أو حرفي أو خدمة أو مطعم؟ لنتحدث عنها معا، مجانا، بلغتك، قرب منزلك، في دار الحي.",
    )
    pdf = write_flyer(tmp_path, "long", LINK, title, ["ar", "tr", "uk"], invitations, FREE)

    assert page_size_mm(pdf)[0] == 1
    assert words_outside_the_margins(pdf) == []
    # Every word is there (pdftotext reorders an Arabic line around its commas, so not the order here).
    read = words(pdf_text(pdf)).split()
    for written in (title, invitations["fr"], invitations["ar"], INVITATIONS["tr"], INVITATIONS["uk"]):
        assert not Counter(words(written).split()) - Counter(read), "nothing is cut off"
    assert decoded(printed(pdf, tmp_path)) == [LINK]


def test_a_word_longer_than_the_page_is_broken_rather_than_cut(tmp_path):
    title = "Croix-de-Neyrat-Champratel-Les-Vergnes-La-Gauthière-Saint-Jacques"
    pdf = write_flyer(tmp_path, "word", LINK, title, [], INVITATIONS, FREE)

    assert words_outside_the_margins(pdf) == []
    assert title in "".join(pdf_text(pdf).split())


def test_too_much_text_for_a_readable_qr_code_is_refused_with_what_to_do(tmp_path):
    wordy = {language: " ".join([text] * 5) for language, text in INVITATIONS.items()}

    with pytest.raises(ValueError, match="shorten them, choose fewer languages, or print on A5"):
        write_flyer(tmp_path, "wordy", LINK, "Croix-de-Neyrat", ["ar", "tr", "uk"], wordy, FREE)
    assert not (tmp_path / "wordy.pdf").exists()


def test_a_language_without_its_text_is_named(tmp_path):
    with pytest.raises(ValueError, match="no invitation text for es"):
        write_flyer(tmp_path, "es", LINK, "Croix-de-Neyrat", ["es"], INVITATIONS, FREE)
