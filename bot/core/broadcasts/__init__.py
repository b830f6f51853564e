"""Announcements of workshops and meetings to residents who asked for them."""
