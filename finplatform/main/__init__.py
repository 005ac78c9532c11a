"""Public pages: the home page."""
