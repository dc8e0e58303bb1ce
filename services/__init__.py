"""The domain: plain async functions over a database session (no Telegram imports)."""
