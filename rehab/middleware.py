from django.utils.cache import add_never_cache_headers


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
