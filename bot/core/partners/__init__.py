"""Partners: who can help a resident, at their stage, near them."""
