"""getUpdates that survives an update python-telegram-bot cannot read.

The library parses a whole batch at once: one update it cannot read (a field of a newer Bot API, a
bug on either side) makes every call fail, polling stops for everyone, and the batch is logged in
full (names, texts) at CRITICAL, in a loop. Here each update of the answer is tried on its own; one
that cannot be read is replaced by its bare id, logged once without its content, and skipped, so
polling moves past it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)


def readable(results: list[Any]) -> bool:
    """Replace, in place, each update that cannot be read by its bare id; True when one was."""
    changed = False
    for position, raw in enumerate(results):
        try:
            Update.de_json(raw, None)
        except Exception as exc:  # whatever the library trips on, the others must go through
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            kinds = sorted(key for key in raw if key != "update_id") if isinstance(raw, dict) else []
            log.warning("update %s (%s) could not be read and is skipped: %s", update_id, kinds, type(exc).__name__)
            if isinstance(update_id, int):
                results[position] = {"update_id": update_id}
                changed = True
    return changed


class SkippingRequest(HTTPXRequest):
    """The connection python-telegram-bot polls with, answers checked one update at a time."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        code, payload = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if code != 200 or not url.endswith("/getUpdates"):
            return code, payload
        try:
            body = json.loads(payload)
        except ValueError:
            return code, payload
        results = body.get("result") if isinstance(body, dict) else None
        if isinstance(results, list) and readable(results):
            return code, json.dumps(body).encode()
        return code, payload
