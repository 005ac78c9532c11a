"""The ranking engine (匹配引擎): eligibility, features, scikit-learn model, evaluation, reasons.

No Flask, no database: callers pass numpy column tables (``matching.schema``) and get back
scores, ranks and reasons. Entry points: ``matching.ranker.Ranker`` for serving,
``matching.model.train_model`` and ``matching.store`` (save / load) for the model lifecycle and
``matching.evaluate`` for offline comparison against baselines.
"""
