"""The read-model cache in tests (rehab/freshness.py)."""


def forget_read_models():
    """Empty the read-model cache, so that the next request computes its page (query-count
    tests measure that cold path; rehab/freshness.py)."""
    from django.core.cache import caches

    caches["read_models"].clear()
