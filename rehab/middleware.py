from django.utils.cache import add_never_cache_headers

from rehab import freshness


class NoStoreMiddleware:
    """No page of this application may be kept by a browser or proxy: pages for logged-in
    users carry personal data, and so do token URLs (the calendar feed) and file downloads,
    which are fetched without a session. Django sends no `no-store` by itself.

    Every response that reaches this middleware gets `no-store`, including one whose view set
    its own Cache-Control. Static files never come here: WhiteNoise answers them earlier with
    its long-lived cache headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            if response.has_header("Cache-Control"):
                del response["Cache-Control"]
            add_never_cache_headers(response)
        return response


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class DataVersionMiddleware:
    """After every request that may have written (POST, PUT, PATCH, DELETE), whatever its
    outcome, replace the data version so that no cached read model outlives the write
    (rehab/freshness.py). Safe methods write nothing but the access log, which no cached page
    shows."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            freshness.bump()
        return response
