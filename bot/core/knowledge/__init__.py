"""The knowledge base: its content, the matcher, the answering flow and the gaps log."""
