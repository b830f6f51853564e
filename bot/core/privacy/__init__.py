"""Consent, seeing one's data, withdrawing consent and erasing everything."""
