"""What gunicorn.conf.py does when a worker starts."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent


def test_a_starting_worker_compiles_the_page_templates_before_serving(app):
    app.jinja_env.cache.clear()  # other tests of the session may have rendered pages
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    settings["post_worker_init"](SimpleNamespace(wsgi=app))
    compiled = {name for _loader, name in app.jinja_env.cache}
    assert {"base.html", "deals/request.html", "institution/pool.html"} <= compiled


def test_a_started_worker_leaves_its_long_lived_objects_out_of_collections(app):
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    try:
        settings["post_worker_init"](SimpleNamespace(wsgi=app))
        # The modules, mappers and templates: a full collection no longer walks them.
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
