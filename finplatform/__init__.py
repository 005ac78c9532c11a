"""The sci-tech finance matching platform (科技金融对接服务平台): the Flask application.

Importing the package loads nothing else: the factory lives in `finplatform.app`, and
`from finplatform import create_app` reaches it through `__getattr__` the first time it is asked
for, so that `import finplatform.credit_code` loads only that module.
"""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str):
    """Import the application factory on first use."""
    if name == "create_app":
        from finplatform.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
