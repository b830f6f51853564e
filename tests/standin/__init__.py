"""Bot API stand-in and the Resident helper for end-to-end tests."""

from tests.standin.resident import Resident
from tests.standin.server import ApiError, CallRecord, Entry, StandIn, parse_html

__all__ = ["ApiError", "CallRecord", "Entry", "Resident", "StandIn", "parse_html"]
