"""The blend of the cascade's stages into one calibrated probability, fitted out of fold.

The blend is a logistic regression of the outcome on the booster's logit, the linear logit and,
optionally, a few feature columns taken as they are (``BLEND_FEATURES``: the institution's
recency-weighted share of approvals in the request's district, a popularity score the trees
split on but cannot extrapolate). Its weights are fitted on predictions the stages made for
requests they were not trained on. With one fold that is the latest slice of requests; with
``n_folds`` time-ordered folds each fold is predicted by stages trained on every earlier
request only, so the weights see how the stages do one, two or more slices after their training
ends, which is what serving asks of them, and rest on several times as many rows.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

BLEND_FEATURES: tuple[str, ...] = ("inst_log_recent_share_district",)
"""Feature columns the blend may weigh directly beside both stages' logits."""


def fit_blend(inputs: np.ndarray, approved: np.ndarray) -> tuple[float, ...]:
    """Return (weight of column 0, offset, weights of columns 1, 2, ...) of the logistic blend.

    Column 0 is the booster's logit, column 1 the linear logit, further columns blend features.
    An input whose weight comes out negative adds nothing once the others are known: the most
    negative one is left out (weight 0) and the rest fitted again, until every weight is
    non-negative; the booster alone stays when nothing else would.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    use = np.ones(inputs.shape[1], dtype=bool)
    while True:
        platt = LogisticRegression(C=1e4, max_iter=1000).fit(inputs[:, use], approved)
        weights = np.zeros(inputs.shape[1])
        weights[use] = platt.coef_[0]
        if (weights >= 0).all():
            break
        use[int(np.argmin(weights))] = False
        if not use.any():
            use[0] = True
            platt = LogisticRegression(C=1e4, max_iter=1000).fit(inputs[:, use], approved)
            weights = np.zeros(inputs.shape[1])
            weights[use] = platt.coef_[0]
            break
    return (float(weights[0]), float(platt.intercept_[0]), *(float(w) for w in weights[1:]))


def time_ordered_folds(
    days: np.ndarray, n_folds: int, fraction: float
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return (training mask, fold mask) of each of ``n_folds`` time-ordered folds, latest last.

    The latest ``n_folds × fraction`` of rows by day is cut into ``n_folds`` consecutive slices
    of about ``fraction`` each; a fold's training rows are every row before its slice. All rows
    of one day fall in the same slice, so no fold row precedes one of its training rows.
    """
    days = np.asarray(days)
    if n_folds < 1 or not 0.0 < n_folds * fraction < 1.0:
        raise ValueError("n_folds × fraction must lie between 0 and 1")
    cuts = [np.quantile(days, 1.0 - k * fraction, method="higher") for k in range(n_folds, 0, -1)]
    ends = [*cuts[1:], np.inf]
    folds = []
    for start, end in zip(cuts, ends, strict=True):
        fold = (days >= start) & (days < end)
        train = days < start
        if fold.any() and train.any():
            folds.append((train, fold))
    return folds
