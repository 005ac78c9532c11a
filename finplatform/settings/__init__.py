"""A user's own settings: API tokens."""
