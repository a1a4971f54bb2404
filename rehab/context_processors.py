from django.urls import reverse

from rehab.access import ADMIN, FORBUND, HANDLEDARE, ROLE_LABELS, STYRGRUPP, get_access


def navigation(request):
    """The menu: only links to what the user's roles may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = get_access(user)
    items = [("Start", reverse("start"))]
    if access.has_role(HANDLEDARE, ADMIN):
        items.append(("Deltagare", reverse("caseload")))
        items.append(("Mina team", reverse("team_list")))
    if access.has_role(FORBUND, STYRGRUPP) or access.has_role(ADMIN):
        items.append(("Översikt", reverse("overview")))
    if user.is_staff:
        items.append(("Administration", reverse("admin:index")))
    return {
        "nav_items": items,
        "nav_role": ROLE_LABELS.get(access.primary_role, ""),
    }
