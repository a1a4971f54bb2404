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
REFUSED = frozenset({403, 404, 405})


def _is_admin(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.app_name == "admin"


class DataVersionMiddleware:
    """After every request by a logged-in user that may have written (POST, PUT, PATCH,
    DELETE), replace the data version so that no cached read model outlives the write
    (rehab/freshness.py): that of the teams its audited changes touched, or, if it made none
    (Django admin, a failed form), the installation's; after Django admin's, a write past the
    services that saved or deleted a row the board's aggregates are computed from, also the
    unaudited-write version (the aggregates are rebuilt). Left
    alone: safe methods, which write nothing but the access log; anonymous requests (a log-in
    writes only the session and django-axes' records); requests refused with 403, 404 or
    405; and views marked `@writes_no_data`. So a stranger's POSTs cannot keep every cache cold."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = freshness.request_started()
        try:
            response = self.get_response(request)
        finally:
            audited = freshness.request_finished(started)
        if (
            request.method not in SAFE_METHODS
            and not audited  # its audited changes' teams were bumped
            and getattr(getattr(request, "user", None), "is_authenticated", False)
            and response.status_code not in REFUSED
            and not getattr(request, "writes_no_data", False)
        ):
            # Outside Django admin a request that recorded no audited change wrote nothing
            # the services keep derived data of (a failed form): the views write through them.
            # In Django admin only a save or delete of a source of that data (a cascade of a
            # deletion too) may have bypassed them: the aggregates are rebuilt after it alone.
            bypassed = _is_admin(request) and started.wrote_sources
            freshness.bump(through_services=not bypassed)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.writes_no_data = getattr(view_func, "writes_no_data", False)
