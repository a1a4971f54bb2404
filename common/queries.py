"""Query building blocks with no domain in them."""

from django.db.models import Count, IntegerField, Subquery
from django.db.models.functions import Coalesce


def count_subquery(queryset, group_field: str):
    """COUNT(*) of `queryset` (filtered on an OuterRef) as a correlated subquery, 0 when
    empty. Unlike Count() over a join, it reads only the matching rows through their index
    instead of joining every placement a module ever had."""
    counted = queryset.order_by().values(group_field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
