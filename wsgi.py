"""The WSGI entry point: `gunicorn wsgi:app`, and what `flask` loads."""

import sys

from config import ConfigError
from finplatform import create_app

try:
    app = create_app()
except ConfigError as error:
    # One clear line for the operator instead of a traceback.
    sys.exit(f"finplatform: configuration error: {error}")
