"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app` (the command line may override)."""

import gc
import logging
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

from jinja2 import TemplateError

worker_class = "gthread"
# A worker runs Python on one core at a time (the GIL), so one worker per core keeps the cores
# busy and one more covers the time workers spend waiting on PostgreSQL and Redis; its threads
# overlap those waits. In one sweep of the load test at 50 users on this 2-core machine (shared
# with other work at the time), 3 workers of 4 threads served the most requests with the lowest
# p99 of 2x4, 2x8, 3x2, 3x4 and 4x2 (bench/load_test.py --workers/--threads).
workers = multiprocessing.cpu_count() + 1
threads = 4

# Each worker counts its own metrics into files here; /metrics adds them up (prometheus-client's
# multiprocess mode). Set before any worker imports the app; emptied at start and at exit.
_made_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _made_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="finplatform-metrics-")


def on_starting(server):
    """Forget the counts of an earlier run of this server."""
    for path in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        path.unlink()


def child_exit(server, worker):
    """A gone worker's live gauges stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics directory this configuration made."""
    if _made_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def post_worker_init(worker):
    """Build the ranking catalogue and compile the templates before the worker takes traffic,
    then hand the collector only what requests create.

    Building the catalogue (products, eligibility arrays and the institutions' history) takes
    seconds on a large catalogue, and compiling a page's templates a tenth of a second or more;
    without this the first requests to each worker would wait for them. A started worker holds
    about 250,000 long-lived objects (modules, mappers, templates); a full collection walked
    them all in about 0.3 s on this machine, stalling every thread of the worker, so they are
    frozen out of the collector's sight (they are freed as usual when nothing refers to them).
    """
    from finplatform.ranking.service import serving_catalogue

    app = worker.wsgi
    with app.app_context():
        try:
            serving_catalogue()
        except Exception:
            logging.getLogger(__name__).exception("ranking catalogue warm-up failed")
    for name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html")):
        try:
            app.jinja_env.get_template(name)
        except TemplateError:
            # The page itself will show the error; the rest of the site must still start.
            logging.getLogger(__name__).exception("template %s does not compile", name)
    gc.collect()
    gc.freeze()
