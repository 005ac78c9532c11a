"""Labels of the platform's own machinery: background jobs and their steps, imports, versions of
the ranking model, and the titles of error pages and API problems."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    # RQ's job states, and "unknown" for a job the queue no longer knows.
    "job_state": {
        "queued": _l("Waiting in the queue"),
        "scheduled": _l("Scheduled"),
        "deferred": _l("Waiting for another job"),
        "started": _l("Running"),
        "finished": _l("Finished"),
        "failed": _l("Failed"),
        "stopped": _l("Stopped"),
        "canceled": _l("Cancelled"),
        "unknown": _l("Unknown job"),
    },
    # The steps a job reports its progress with (`jobs.report_progress`).
    "job_step": {
        "reading_history": _l("Reading the history"),
        "training": _l("Training"),
        "features": _l("Computing the features"),
        "linear_stage": _l("Fitting the linear stage"),
        "boosting": _l("Growing the boosted trees"),
        "validating": _l("Scoring the held-out requests"),
        "comparing": _l("Comparing with the version in service"),
        "recorded": _l("Version recorded"),
        "rematching": _l("Re-ranking open requests"),
        "figures": _l("Computing the figures"),
        "workbook": _l("Writing the workbook"),
        "figures_file": _l("Saving the figures"),
        "importing": _l("Importing rows"),
        "done": _l("Done"),
    },
    "import_kind": {
        "enterprises": _l("Enterprises"),
        "institutions": _l("Financial institutions"),
        "products": _l("Financing products"),
        "applications": _l("Historical applications and disbursements"),
        "credit_records": _l("Public-credit records"),
        "repayments": _l("Loan repayments"),
    },
    "import_status": {
        "pending": _l("Waiting to start"),
        "running": _l("Importing"),
        "finished": _l("Imported"),
        "rejected": _l("Nothing imported"),
        "failed": _l("Failed"),
    },
    "model_status": {
        "candidate": _l("Candidate"),
        "current": _l("In service"),
        "retired": _l("Retired from service"),
    },
    # Why a model version was put in service without a person's note (`promotion_note`).
    "promotion_reason": {
        "automatic": _l("Automatic: beats the version in service on held-out requests"),
    },
    # Titles of error pages and of the API's problem details, by HTTP status.
    "problem": {
        "400": _l("Bad request"),
        "401": _l("Sign-in required"),
        "403": _l("Access denied"),
        "404": _l("Page not found"),
        "405": _l("Method not allowed"),
        "409": _l("Conflict"),
        "413": _l("Upload too large"),
        "415": _l("Unsupported media type"),
        "422": _l("Invalid input"),
        "429": _l("Too many requests"),
        "500": _l("Something went wrong"),
        "503": _l("Service temporarily unavailable"),
    },
}
