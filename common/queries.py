"""Query building blocks with no domain in them."""

from django.db.models import Count, Func, IntegerField, Subquery
from django.db.models.functions import Coalesce


def count_subquery(queryset, group_field: str):
    """COUNT(*) of `queryset` (filtered on an OuterRef) as a correlated subquery, 0 when
    empty. Unlike Count() over a join, it reads only the matching rows through their index
    instead of joining every placement a module ever had."""
    counted = queryset.order_by().values(group_field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class DaysBetween(Func):
    """The whole days from the first date to the second, an integer (none where either is
    none). On PostgreSQL date − date is already the days; on SQLite JULIANDAY runs in the
    database, where a DurationField subtraction calls a Python function for every row."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def __init__(self, date_from, date_to, **extra):
        # Written as "to - from".
        super().__init__(date_to, date_from, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(JULIANDAY(%(expressions)s) AS INTEGER)",
            arg_joiner=") - JULIANDAY(",
            **extra_context,
        )
