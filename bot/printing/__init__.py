"""Printed material for an outreach campaign: the QR code of its deep link, and a one-page flyer.

Posters and flyers in a neighbourhood reach people the bot cannot reach by itself; each campaign has its own
deep link (``?start=nb-…`` or ``ev-…``) so that arrivals are counted per campaign, and the QR code is how a
passer-by follows it.
"""

from bot.printing.flyer import write_flyer
from bot.printing.qr import write_qr

__all__ = ["write_flyer", "write_qr"]
