"""Operating the platform: request ids, JSON logs, per-request timings and `/metrics`.

`finplatform.observability.wiring.register(app)` installs all of it.
"""
