from django.urls import reverse
from django.utils.translation import gettext as _

from rehab.access import ADMIN, FORBUND, HANDLEDARE, ROLE_LABELS, STYRGRUPP, get_access


def navigation(request):
    """The menu: only links to what the user's roles may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = get_access(user)
    items = [(_("Start"), reverse("start"))]
    if access.has_role(HANDLEDARE, ADMIN):
        items.append((_("Participants"), reverse("caseload")))
        items.append((_("Deadlines"), reverse("modules:deadline_list")))
        items.append((_("Modules"), reverse("modules:module_list")))
        items.append((_("Referrals"), reverse("referral_list")))
        items.append((_("Consultations"), reverse("consultation_list")))
        items.append((_("My teams"), reverse("team_list")))
    if access.has_role(ADMIN):
        items.append((_("Import"), reverse("import_upload")))
        items.append(("Granskning av loggen", reverse("privacy:log_review")))
    if access.has_role(ADMIN, FORBUND, STYRGRUPP):
        items.append((_("Board report"), reverse("board_report")))
        items.append(("Budget", reverse("budget_index")))
    if access.has_role(FORBUND, STYRGRUPP) or access.has_role(ADMIN):
        items.append((_("Overview"), reverse("overview")))
        items.append(("Instrumentpanel", reverse("dashboard")))
        items.append(("Enkätresultat", reverse("questionnaires:results")))
    if access.has_role(ADMIN) or user.is_superuser:
        items.append(("Aktiveringskoder", reverse("activation_codes")))
    if user.is_staff:
        items.append((_("Administration"), reverse("admin:index")))
    return {
        "nav_items": items,
        # The header's search box posts to the caseload (a personnummer never in a URL).
        "nav_search": access.has_role(HANDLEDARE, ADMIN),
        "nav_role": _(ROLE_LABELS[access.primary_role]) if access.primary_role else "",
    }
