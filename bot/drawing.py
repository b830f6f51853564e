"""Files the core describes and does not draw: a campaign's QR code and flyer, the funnel's chart.

The core sends a `Document` whose `drawing` says what to draw in plain values ("kind": "qr", "flyer"
or "funnel_chart"); `fill` draws it in a worker thread once the event's transaction is over, so the
database is never held while a PDF is laid out. The command line (`tremplin outreach`) prints with the
same functions, so a flyer made in Telegram and one made in a terminal are the same.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.core.messages import Outbound

log = logging.getLogger(__name__)

HATCHES = ("", "//", "..", "xx", "\\\\", "--")  # each step its own pattern, so grey print still tells them apart


def write_flyer(folder: Path, name: str, flyer: Mapping[str, Any]) -> Path:
    """The flyer described by `campaigns.flyer_drawing`, on A6; on A5 when its languages need the room."""
    from bot.printing.flyer import write_flyer as lay_out

    words = (flyer["link"], flyer["title"], flyer["languages"], flyer["invitations"], flyer["free"])
    try:
        return lay_out(folder, name, *words)
    except ValueError as exc:
        if "readable QR code" not in str(exc):
            raise
        log.info("flyer %s: %s; printed on A5", name, exc)
        return lay_out(folder, name, *words, page="A5")


def funnel_chart(path: Path, chart: Mapping[str, Any]) -> None:
    """Grouped bars, as described by `funnel.chart_drawing`: one group per neighbourhood, one bar per step."""
    import matplotlib

    matplotlib.use("Agg")  # no screen needed
    import matplotlib.pyplot as plt

    steps: Sequence[tuple[str, str]] = chart["steps"]
    places: Sequence[tuple[str, Mapping[str, int]]] = chart["places"]
    figure, axes = plt.subplots(figsize=(max(6.0, 1.6 * len(places) + 2), 4.5), dpi=120)
    width = 0.8 / len(steps)
    for i, ((step, label), hatch) in enumerate(zip(steps, HATCHES, strict=True)):
        values = [counts.get(step, 0) for _, counts in places]
        shade = str(0.15 + 0.7 * i / len(steps))
        bars = axes.bar(
            [x + i * width for x in range(len(places))], values, width, label=label,
            color=shade, edgecolor="black", hatch=hatch,
        )  # fmt: skip
        axes.bar_label(bars, fontsize=7)
    axes.set_xticks([x + 0.4 - width / 2 for x in range(len(places))], [name for name, _ in places])
    axes.set_ylabel(chart["axis"])
    axes.set_title(chart["title"], fontsize=10)
    axes.legend(fontsize=8, ncols=3)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)


def draw(drawing: Mapping[str, Any]) -> bytes:
    """The file's bytes: a QR code (PNG), a flyer (PDF) or the funnel's chart (PNG)."""
    kind = drawing.get("kind")
    with tempfile.TemporaryDirectory(prefix="tremplin-") as tmp:
        folder = Path(tmp)
        if kind == "qr":
            from bot.printing.qr import write_qr

            _svg, png = write_qr(str(drawing["link"]), folder, "qr")
            return png.read_bytes()
        if kind == "flyer":
            return write_flyer(folder, "flyer", drawing).read_bytes()
        if kind == "funnel_chart":
            funnel_chart(folder / "chart.png", drawing)
            return (folder / "chart.png").read_bytes()
    raise ValueError(f"unknown drawing {kind!r}")


async def fill(messages: list[Outbound], unavailable: Callable[[str], str]) -> list[Outbound]:
    """Draw every document that is only described. One that cannot be drawn is logged and replaced by
    `unavailable(filename)`, so the person learns it is missing and the rest of the reply still goes."""
    filled = []
    for message in messages:
        document = message.document
        if document is None or document.drawing is None:
            filled.append(message)
            continue
        try:
            content = await asyncio.to_thread(draw, document.drawing)
        except Exception:
            log.exception("could not draw %s (%s)", document.filename, document.drawing.get("kind"))
            text = "\n\n".join(part for part in (message.text, unavailable(document.filename)) if part)
            filled.append(replace(message, text=text, document=None))
            continue
        filled.append(replace(message, document=replace(document, content=content, drawing=None)))
    return filled
