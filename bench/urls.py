"""The product's URLs plus one trivial view, the yardstick for the load test. Only the bench
settings use this URLconf; the product's URLs have no such view."""

from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("", include("config.urls")),
]
