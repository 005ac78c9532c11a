"""Pages of financial institutions."""
