"""The channel-agnostic core: it never imports `telegram`, so every adapter behaves the same."""
