"""Every URL of the project × every persona, with the answer each must get.

The URL list comes from the resolver, so a new page is checked the moment it is added. The
expected answer is derived from the view's declared rule:

- `role_required(...)` (rehab/access.py) records its roles on the view as `allowed_roles`:
  anonymous and deactivated users are sent to the log-in page, a persona without one of the
  roles gets 403, one with a role gets the page, and a handledare of the other team gets 404 on
  team A's objects;
- views without `role_required` need an entry in RULES below;
- Django admin is covered by one rule: staff only (everyone else is sent to admin's log-in).

A view with no rule, or a URL whose arguments the test cannot fill (add the URL name to
`sample_kwargs`), fails `test_every_url_has_a_rule` with a message saying what to add.

POST-only views (405 to GET) are then checked with an empty POST.
"""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import EnrolmentFactory, ParticipantFactory, UserFactory
from tests.questionnaires.fixtures import make_questionnaire
from tests.reporting.budget_fixtures import make_budget

pytestmark = pytest.mark.django_db

PERSONAS = [
    "handledare_a",
    "handledare_b",
    "admin",
    "forbund",
    "styrgrupp",
    "anonymous",
    "deactivated",
]
PERSONA_ROLES = {
    "handledare_a": {"handledare"},
    "handledare_b": {"handledare"},
    "admin": {"admin"},
    "forbund": {"forbund"},
    "styrgrupp": {"styrgrupp"},
    "anonymous": set(),
    "deactivated": set(),
}
LOGGED_OUT = {"anonymous", "deactivated"}

# Rules for views that do not use role_required.
PUBLIC = "public"  # anyone; logged-in users may be redirected (log-in page)
LOGIN = "login"  # any logged-in user; others to the log-in page
TOKEN = "token"  # a secret in the URL is the key: a wrong token is 404 for everyone
OWNER = "owner"  # the user who made it (the sample job is the admin's); other users 404
RULES = {
    "login": PUBLIC,
    "logout": PUBLIC,
    # The identity provider's log-in (accounts/oidc.py): 404 while OIDC is not configured.
    "oidc_start": PUBLIC,
    "oidc_callback": PUBLIC,
    "favicon": PUBLIC,  # a redirect to the static icon
    "health": PUBLIC,
    "jobs:job_detail": OWNER,
    "jobs:job_status": OWNER,
    "jobs:job_download": OWNER,  # no data: the checks' names and ok/failed (tests/test_health.py)
    "start": LOGIN,
    "modules:calendar_ics": TOKEN,
    "account_detail": LOGIN,
    "two_factor_setup": LOGIN,
    "two_factor_verify": LOGIN,
    "recovery_codes_show": LOGIN,
    "recovery_codes_regenerate": LOGIN,
    "sessions_end_all": LOGIN,
    "deadline_reminders": LOGIN,
    "password_change": LOGIN,
    # Unit managers (their teams' members; others 404) and superusers.
    "activation_codes": frozenset({"admin"}),
    "activation_code_create": frozenset({"admin"}),
    "questionnaires:answer": TOKEN,
}

# The answer an allowed persona gets where it is not a plain 200 page.
OK_STATUS = {
    # Without an app registered the code page leads to the set-up page.
    "two_factor_verify": 302,
    # Codes are shown once, straight after they are made; otherwise back to the account.
    "recovery_codes_show": 302,
    # Logged-in users are sent on from the log-in page.
    "login": 302,
    # The start page sends aggregate users to the overview.
    "start": (200, 302),
    # Nothing uploaded yet: back to the upload page.
    "import_preview": 302,
    "budget_import_preview": 302,
    # Hand-over mode not started in this session: back to the start page.
    "questionnaires:handover": 302,
    "questionnaires:handover_leave": 302,
}

# Where a view narrows its role rule further, the answer per persona (and why).
PERSONA_STATUS = {
    # Only members of a rehabilitation team register participants and enrolments; EVI (team
    # B) triages referrals only.
    ("participant_create", "handledare_b"): 403,
    ("participant_create_anonymous", "handledare_b"): 403,
    ("enrolment_create", "handledare_b"): 403,
    # Only the unit manager of the referral's team assigns an En väg in referral.
    ("referral_assign", "handledare_a"): 403,
    # The introductory conversation belongs to an En väg in referral (team B's): a handledare
    # of team A does not see it.
    ("referral_intro", "handledare_a"): 404,
}

# Query strings a page needs besides its URL arguments.
# A participant enrolled before and exited, so that there is a team to enrol them in.
SAMPLE_QUERY = {"enrolment_create": lambda s: f"?deltagare={s['former'].pk}"}

# Views that end the session on an empty POST are left out of the POST pass.
POST_SKIP = {"logout", "sessions_end_all", "admin:logout"}


@dataclass
class Route:
    name: str  # "namespace:name", or the route for an unnamed admin pattern
    route: str
    callback: object
    kwargs: tuple[str, ...]
    named: bool = True

    @property
    def is_admin(self):
        return self.name.startswith("admin:") or self.route.startswith("admin/")


def _walk(resolver, prefix="", namespace="", groups=()):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        names = groups + tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern, route, ns, names)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else f"{namespace}{route}"
            yield Route(
                name=name,
                route=route,
                callback=pattern.callback,
                kwargs=names,
                named=bool(pattern.name),
            )


def all_routes() -> list[Route]:
    return list(_walk(get_resolver()))


def rule_for(route: Route):
    if route.is_admin:
        return "staff"
    roles = getattr(route.callback, "allowed_roles", None)
    if roles is not None:
        return frozenset(roles)
    return RULES.get(route.name)


# --- Sample objects: one of each kind in team A (Rehabteamet) -------------------------------

SECRET_FIRST = "Ingeborg"
SECRET_LAST = "Sekretessdotter"


@pytest.fixture
def samples(rehab_team, handledare_a, admin_user):
    from modules import services as module_services
    from modules.models import (
        ManagementApproval,
        Module,
        Placement,
        TriageContact,
        WaitingListEntry,
    )
    from modules.rules import review_due
    from referrals import services as referral_services
    from rehab import services as rehab_services
    from rehab.models import Referrer, Team

    participant = ParticipantFactory(first_name=SECRET_FIRST, last_name=SECRET_LAST)
    enrolment = EnrolmentFactory(
        team=rehab_team, participant=participant, responsible=handledare_a
    )
    kompassen = Module.objects.get(team=rehab_team, name="Kompassen")
    portalen = Module.objects.get(team=rehab_team, name="Portalen")
    start = datetime.date(2024, 2, 1)
    placement = Placement.objects.create(
        enrolment=enrolment,
        module=kompassen,
        start_date=start,
        next_review_due=review_due(start, kompassen.as_rule(), 0),
    )
    review = module_services.review_book(
        placement=placement, planned_date=datetime.date(2024, 3, 1), by=handledare_a
    )
    waiting = WaitingListEntry.objects.create(
        enrolment=enrolment, module=portalen, added_date=datetime.date(2024, 2, 1)
    )
    triage = TriageContact.objects.create(
        placement=placement, reason="extension", due_date=datetime.date(2024, 3, 15)
    )
    approval = ManagementApproval.objects.create(
        enrolment=enrolment, requested_date=datetime.date(2024, 3, 1)
    )
    goal = rehab_services.goal_create(enrolment=enrolment, text="Praktik", by=handledare_a)
    referral = referral_services.referral_create(
        team=rehab_team,
        source=Referrer.AF,
        need="Stöd mot arbete",
        received_date=datetime.date(2024, 1, 2),
        by=handledare_a,
        participant=participant,
    )
    evi_referral = referral_services.referral_create(
        team=Team.objects.get(name="EVI"),
        source=Referrer.FK,
        need="Stöd mot arbete",
        received_date=datetime.date(2024, 1, 3),
        by=admin_user,
    )
    activity = rehab_services.activity_create(
        team=rehab_team, date=datetime.date(2024, 3, 4), title="Fika", kind="group", by=admin_user
    )
    rehab_team.has_case_meetings = True
    rehab_team.save()
    case_meeting = rehab_services.case_meeting_create(
        team=rehab_team,
        date=datetime.date(2024, 3, 5),
        agencies=["AF"],
        items=[rehab_services.Discussed(enrolment.pk)],
        by=handledare_a,
    )
    from jobs.models import Job

    job = Job.objects.create(
        kind="board_file",
        label="Styrelserapporten som PDF",
        user=admin_user,
        status=Job.Status.DONE,
        result=b"%PDF",
        result_name="rapport.pdf",
        result_type="application/pdf",
        expires_at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC),
    )
    former = EnrolmentFactory(
        team=rehab_team,
        start_date=datetime.date(2023, 1, 9),
        exit_date=datetime.date(2023, 6, 30),
        exit_outcome="arbete",
    ).participant
    return {
        "participant": participant,
        "former": former,
        "enrolment": enrolment,
        "placement": placement,
        "review": review,
        "waiting": waiting,
        "triage": triage,
        "approval": approval,
        "goal": goal,
        "referral": referral,
        "evi_referral": evi_referral,
        "activity": activity,
        "case_meeting": case_meeting,
        "job": job,
        "module": kompassen,
        "team": rehab_team,
        "budget": make_budget(rehab_team, year=2024),
        # The results pages need a questionnaire to show.
        "questionnaire": make_questionnaire(),
    }


def sample_kwargs(samples) -> dict[str, tuple[dict, bool]]:
    """URL name → (kwargs, whether they point at a team-A object)."""
    s = samples
    enrolment = {"pk": s["enrolment"].pk}
    by_url = {
        "team_detail": {"pk": s["team"].pk},
        "activity_list": {"pk": s["team"].pk},
        "activity_detail": {"pk": s["activity"].pk},
        "case_meeting_list": {"pk": s["team"].pk},
        "case_meeting_create": {"pk": s["team"].pk},
        "case_meeting_detail": {"pk": s["case_meeting"].pk},
        "case_meeting_update": {"pk": s["case_meeting"].pk},
        "case_meeting_delete": {"pk": s["case_meeting"].pk},
        "participant_detail": {"pk": s["participant"].pk},
        "participant_update": {"pk": s["participant"].pk},
        "enrolment_update": enrolment,
        "enrolment_phase": enrolment,
        "enrolment_exit": enrolment,
        "enrolment_undo_exit": enrolment,
        "enrolment_mark_error": enrolment,
        "exit_followup_create": enrolment,
        "goal_create": enrolment,
        "exit_evaluation": enrolment,
        "goal_status": {"pk": s["goal"].pk},
        "note_create": enrolment,
        "note_draft": enrolment,
        "deviation_create": enrolment,
        "referral_detail": {"pk": s["referral"].pk},
        "referral_transition": {"pk": s["referral"].pk, "to_status": "assessing"},
        "referral_assign": {"pk": s["referral"].pk},
        "consent_create": {"participant_pk": s["participant"].pk},
        "modules:module_detail": {"pk": s["module"].pk},
        "modules:approval_decide": {"pk": s["approval"].pk},
        "modules:enrolment": enrolment,
        "modules:placement_create": enrolment,
        "modules:approval_request": enrolment,
        "modules:followup_record": enrolment,
        "modules:waiting_add": enrolment,
        "modules:placement_extend": {"pk": s["placement"].pk},
        "modules:placement_end": {"pk": s["placement"].pk},
        "modules:review_book": {"pk": s["placement"].pk},
        "modules:review_record": {"pk": s["placement"].pk},
        "modules:review_record_booked": {"pk": s["review"].pk},
        "modules:review_cancel": {"pk": s["review"].pk},
        "modules:triage_contact_record": {"pk": s["triage"].pk},
        "modules:review_protocol": {"pk": s["review"].pk},
        "action_plan_print": enrolment,
        "modules:waiting_remove": {"pk": s["waiting"].pk},
        "privacy:subject_access": {"pk": s["participant"].pk},
        "privacy:subject_access_json": {"pk": s["participant"].pk},
        "privacy:subject_access_pdf_job": {"pk": s["participant"].pk},
        "activation_code_create": {"user_pk": s["enrolment"].responsible_id},
        "questionnaires:enrolment": enrolment,
        "questionnaires:handover_start": enrolment,
        "questionnaires:link_create": enrolment,
        "questionnaires:partner_links": {"pk": s["team"].pk},
        "questionnaires:team_setting": {"pk": s["team"].pk},
        "jobs:job_detail": {"pk": s["job"].pk},
        "jobs:job_status": {"pk": s["job"].pk},
        "jobs:job_download": {"pk": s["job"].pk},
    }
    result = {name: (kwargs, True) for name, kwargs in by_url.items()}
    # Arguments that are not objects of a team.
    result["board_report_export"] = ({"fmt": "csv"}, False)
    result["board_report_job"] = ({"fmt": "pdf"}, False)
    result["import_template"] = ({"fmt": "csv"}, False)
    # Team B's (EVI's) referral: its handledare may, team A's may not (PERSONA_STATUS).
    result["referral_intro"] = ({"pk": s["evi_referral"].pk}, False)
    result["dashboard_csv"] = ({"figure": "aktiva"}, False)
    result["modules:calendar_ics"] = ({"token": "ingen-sadan-nyckel"}, False)
    result["questionnaires:answer"] = ({"token": "ingen-sadan-nyckel"}, False)
    budget = {"team_id": s["budget"].team_id, "year": s["budget"].year}
    for name in (
        "budget_followup",
        "budget_edit",
        "budget_actuals",
        "budget_import",
        "budget_import_preview",
        "budget_import_confirm",
        "budget_import_cancel",
    ):
        result[name] = (budget, True)
    return result


def _admin_kwargs(route: Route) -> dict:
    return dict.fromkeys(route.kwargs, "1")


# --- Clients per persona --------------------------------------------------------------------


@pytest.fixture
def clients(handledare_a, handledare_b, admin_user, forbund_user, styrgrupp_user, rehab_team):
    from rehab.models import Membership

    gone = UserFactory(username="avslutad")
    Membership.objects.create(user=gone, team=rehab_team, role="admin")
    users = {
        "handledare_a": handledare_a,
        "handledare_b": handledare_b,
        "admin": admin_user,
        "forbund": forbund_user,
        "styrgrupp": styrgrupp_user,
        "deactivated": gone,
    }
    result = {"anonymous": Client()}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        result[name] = client
    # Deactivated after logging in: the open session must not keep working.
    gone.is_active = False
    gone.save()
    return result


# --- Expected answers -----------------------------------------------------------------------


def _is_login_redirect(response, login_url):
    return response.status_code == 302 and response["Location"].startswith(login_url)


def _check(route: Route, rule, persona: str, response, team_a_object: bool) -> str | None:
    """None when the answer fits the rule, else what was wrong."""
    status = response.status_code
    if status >= 500:
        return f"{status} (serverfel)"
    if rule == "staff":
        if persona == "admin":  # the only staff persona
            return None if not _is_login_redirect(response, "/admin/login/") else "ej släppt in"
        if route.name in ("admin:login", "admin:logout") or route.name.startswith(
            "admin:view_on_site"
        ):
            return None
        ok = _is_login_redirect(response, "/admin/login/")
        return None if ok else f"{status}, väntade omdirigering till admins inloggning"
    if rule == TOKEN:
        return None if status == 404 else f"{status}, väntade 404 för okänd nyckel"
    if rule == PUBLIC:
        return None
    allowed = OK_STATUS.get(route.name, 200)
    allowed = allowed if isinstance(allowed, tuple) else (allowed,)
    if (route.name, persona) in PERSONA_STATUS:
        expected = PERSONA_STATUS[(route.name, persona)]
        return None if status == expected else f"{status}, väntade {expected}"
    if persona in LOGGED_OUT:
        if _is_login_redirect(response, reverse("login")):
            return None
        return f"{status}, väntade omdirigering till inloggningen"
    if rule == LOGIN:
        return None if status in allowed else f"{status}, väntade {allowed}"
    if rule == OWNER:
        expected = allowed if persona == "admin" else (404,)
        return None if status in expected else f"{status}, väntade {expected}"
    if not PERSONA_ROLES[persona] & rule:
        return None if status == 403 else f"{status}, väntade 403 (rollen saknas)"
    if persona == "handledare_b" and team_a_object:
        return None if status == 404 else f"{status}, väntade 404 (annat teams objekt)"
    return None if status in allowed else f"{status}, väntade {allowed}"


# --- The tests ------------------------------------------------------------------------------


def test_every_url_has_a_rule(samples):
    kwargs_for = sample_kwargs(samples)
    problems = []
    for route in all_routes():
        if rule_for(route) is None:
            problems.append(
                f"{route.name} (/{route.route}): vyn saknar regel – dekorera den med "
                "rehab.access.role_required eller lägg till namnet i RULES"
            )
        if route.kwargs and not route.is_admin and route.name not in kwargs_for:
            problems.append(
                f"{route.name} (/{route.route}): argumenten {route.kwargs} saknas – lägg till "
                "ett exempelobjekt i sample_kwargs"
            )
    assert not problems, "Permission matrix saknar uppgifter:\n" + "\n".join(problems)


def test_every_url_answers_every_persona_as_its_rule_says(samples, clients):
    kwargs_for = sample_kwargs(samples)
    failures = []
    checked = 0
    for route in all_routes():
        rule = rule_for(route)
        if rule is None or (route.kwargs and not route.is_admin and route.name not in kwargs_for):
            continue  # reported by test_every_url_has_a_rule
        if route.is_admin:
            if not route.named:
                continue  # unnamed admin patterns (old-URL redirects, the catch-all)
            kwargs, team_a_object = _admin_kwargs(route), False
            if route.kwargs and set(route.kwargs) != {"app_label"}:
                # Object pages: anonymous and non-staff only; a staff user is covered by the
                # kwarg-less pages.
                kwargs = {**kwargs, "app_label": "rehab"} if "app_label" in kwargs else kwargs
            if "app_label" in kwargs:
                kwargs["app_label"] = "rehab"
        else:
            kwargs, team_a_object = kwargs_for.get(route.name, ({}, False))
        url = reverse(route.name, kwargs=kwargs)
        if route.name in SAMPLE_QUERY:
            url += SAMPLE_QUERY[route.name](samples)
        post_pass = False
        for persona in PERSONAS:
            response = clients[persona].get(url)
            checked += 1
            if response.status_code == 405:
                post_pass = True
                continue
            problem = _check(route, rule, persona, response, team_a_object)
            if problem:
                failures.append(f"GET {url} [{route.name}] som {persona}: {problem}")
        if post_pass and route.name not in POST_SKIP:
            for persona in PERSONAS:
                response = clients[persona].post(url, {})
                checked += 1
                problem = _check_post(route, rule, persona, response, team_a_object)
                if problem:
                    failures.append(f"POST {url} [{route.name}] som {persona}: {problem}")
    assert checked > 300
    assert not failures, "\n".join(failures)


def _check_post(route, rule, persona, response, team_a_object):
    """An empty POST: refused personas as for GET; allowed ones get a form error or a
    redirect back, never a refusal or a server error."""
    status = response.status_code
    if status >= 500 or status == 405:
        return f"{status}"
    if persona in LOGGED_OUT or rule in (PUBLIC, TOKEN, "staff"):
        return _check(route, rule, persona, response, team_a_object)
    if (route.name, persona) in PERSONA_STATUS:
        return _check(route, rule, persona, response, team_a_object)
    if isinstance(rule, frozenset) and not PERSONA_ROLES[persona] & rule:
        return None if status == 403 else f"{status}, väntade 403 (rollen saknas)"
    if persona == "handledare_b" and team_a_object:
        return None if status == 404 else f"{status}, väntade 404 (annat teams objekt)"
    if status == 403 or _is_login_redirect(response, reverse("login")):
        return f"{status}, en tillåten roll nekades"
    return None


def test_deactivated_users_open_session_is_refused(clients):
    response = clients["deactivated"].get(reverse("caseload"))
    assert _is_login_redirect(response, reverse("login"))


NAME_RE = re.compile(rf"{SECRET_FIRST}|{SECRET_LAST}")


def test_list_pages_show_team_a_rows_only_to_team_a(samples, clients):
    """No page that another team's handledare, a förbund officer or the steering group may
    open shows team A's participant; team A's handledare does see them (control)."""
    participant = samples["participant"]
    digits = participant.personnummer.replace("-", "")[-10:]
    leaks = []
    seen_by_a = []
    for route in all_routes():
        if route.kwargs or route.is_admin or rule_for(route) in (None, TOKEN):
            continue
        url = reverse(route.name)
        for persona in ("handledare_a", "handledare_b", "forbund", "styrgrupp"):
            response = clients[persona].get(url, follow=False)
            if response.status_code != 200 or not response.get("Content-Type", "").startswith(
                "text/html"
            ):
                continue
            body = response.content.decode()
            found = bool(NAME_RE.search(body)) or digits in body.replace("-", "")
            if persona == "handledare_a":
                if found:
                    seen_by_a.append(url)
            elif found:
                leaks.append(f"{url} visar team A:s deltagare för {persona}")
    assert not leaks, "\n".join(leaks)
    assert reverse("caseload") in seen_by_a, "kontrollen hittar inte deltagaren ens för team A"


def test_with_two_factor_on_every_page_waits_for_the_code(samples, clients, settings):
    """With REQUIRE_2FA, a handledare who has not given a code reaches no page but the
    two-factor pages and the log-in/out pages."""
    settings.REQUIRE_2FA = True
    client = Client()
    client.force_login(samples["enrolment"].responsible)
    from accounts.middleware import TWO_FACTOR_OPEN

    kwargs_for = sample_kwargs(samples)
    let_through = []
    for route in all_routes():
        if route.is_admin or route.name in TWO_FACTOR_OPEN:
            continue
        if route.kwargs and route.name not in kwargs_for:
            continue
        url = reverse(route.name, kwargs=kwargs_for.get(route.name, ({}, False))[0])
        response = client.get(url)
        if not (
            response.status_code == 302
            and response["Location"].startswith(reverse("two_factor_setup"))
        ):
            let_through.append(f"{url}: {response.status_code}")
    assert not let_through, "\n".join(let_through)
