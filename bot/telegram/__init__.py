"""The Telegram adapter: Updates in, messages and inline keyboards out. No business rules here."""
