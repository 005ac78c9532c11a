"""Re-ranking every open request in one batch job, stored as `Match` rows.

Runs nightly and on demand (admin page, `flask matching rematch`), on RQ when Redis is set.
Each request's matches are replaced as a unit (delete and insert in one transaction), so a
re-run with the same catalogue and model writes the same rows: the job is idempotent. A
request's first ranking time (`first_ranked_at`) is written once and kept. The report's facts
count matches (their firm served in the month each row was written): the bulk delete takes its
rows' facts away in the same transaction, and the new rows' are added at their flush.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.jobs import report_progress
from finplatform.models import FinancingRequest, Match, MatchSource, RequestStatus
from finplatform.ranking.service import note_ranked, ranked_items, serving_catalogue
from finplatform.ranking.tables import load_requests, requests_table
from finplatform.reports import facts

REMATCH_TOP_K = 10
CHUNK_SIZE = 200


def rematch_open_requests(
    top_k: int = REMATCH_TOP_K,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict:
    """Rank every open request and replace its Match rows; commits per chunk of requests."""
    progress = progress or report_progress
    served = serving_catalogue()
    request_ids = db.session.scalars(
        sa.select(FinancingRequest.id)
        .where(FinancingRequest.status == RequestStatus.OPEN)
        .order_by(FinancingRequest.id)
    ).all()
    total, written = len(request_ids), 0
    progress(0, total, "rematching")
    for start in range(0, total, chunk_size):
        chunk = load_requests(request_ids[start : start + chunk_size])
        table = requests_table(chunk, served.cats, served.communities)
        ranked = served.ranker.rank_batch(table, top_k, with_exclusions=False)
        rows = []
        for request, result in zip(chunk, ranked, strict=True):
            zh = ranked_items(result, "zh")
            en = ranked_items(result, "en")
            if zh:
                note_ranked(request)
            rows += [
                Match(
                    request_id=request.id,
                    product_id=item["product_id"],
                    score=item["score"],
                    probability=item["probability"],
                    rank=position + 1,
                    source=MatchSource(item["source"]),
                    model_version_id=served.model_version_id,
                    reasons=[
                        {"zh": text_zh, "en": text_en}
                        for text_zh, text_en in zip(
                            item["reasons"], item_en["reasons"], strict=True
                        )
                    ],
                )
                for position, (item, item_en) in enumerate(zip(zh, en, strict=True))
            ]
        replace_matches([request.id for request in chunk], rows)
        written += len(rows)
        db.session.commit()
        done = min(start + chunk_size, total)
        progress(done, total, "rematching")
    return {
        "requests": total,
        "matches": written,
        "source": served.ranker.source,
        "model_version": served.model_version,
    }


def replace_matches(request_ids: list[int], rows: list[Match]) -> None:
    """Replace the requests' Match rows with `rows` (the caller commits): one bulk delete, whose
    rows' report facts are taken away in the same transaction; the new rows' are added when
    they are flushed."""
    replaced = Match.request_id.in_(request_ids)
    facts.bulk_write(db.session, Match, -1, where=replaced)
    db.session.execute(sa.delete(Match).where(replaced))
    db.session.add_all(rows)
