"""The plan's targets, for the commission and admins."""
