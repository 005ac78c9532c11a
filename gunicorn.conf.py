"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app` (the command line may override)."""

import logging

worker_class = "gthread"
threads = 4


def post_worker_init(worker):
    """Build the ranking catalogue before the worker takes traffic.

    Building it (products, eligibility arrays and the institutions' history) takes seconds on a
    large catalogue; without this the first requests to each worker would wait for it.
    """
    from finplatform.ranking.service import serving_catalogue

    app = worker.wsgi
    with app.app_context():
        try:
            serving_catalogue()
        except Exception:
            logging.getLogger(__name__).exception("ranking catalogue warm-up failed")
