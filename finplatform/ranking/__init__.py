"""The platform's side of ranking: database rows adapted to the `matching` engine."""
