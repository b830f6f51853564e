"""Handing a conversation to a counsellor in the forum group, and relaying it both ways."""
