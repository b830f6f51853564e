"""Tremplin: a multilingual Telegram front door for would-be entrepreneurs in priority neighbourhoods."""

__version__ = "0.1.0"
