"""Outreach links: which neighbourhood or event a resident came from."""
