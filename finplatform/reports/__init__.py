"""Monthly volume reports against the plan's targets: SQL figures, charts, exports, closing."""
