"""The rules of the case services (SPEC §4–§8)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework import services as casework_services
from modules.models import Placement
from referrals.models import Consent
from rehab import services
from rehab.models import AuditEvent, Enrolment, ExitOutcome, Goal, Kommun
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _create(by, pnr="19850312-4128", **extra):
    data = {
        "first_name": "Anna",
        "last_name": "Berg",
        "gender": "K",
        "kommun": Kommun.objects.get(name="Ludvika"),
    }
    data.update(extra)
    return services.participant_create(personnummer_raw=pnr, by=by, **data)


class TestParticipant:
    def test_personnummer_is_stored_normalised_with_birth_date(self, handledare_a):
        p = _create(handledare_a, "850312-4128")
        assert p.personnummer == "198503124128"
        assert p.birth_date == D(1985, 3, 12)
        assert p.birth_year == 1985

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ("19850312-4127", "Kontrollsiffran stämmer inte"),
            ("19990230-1234", "Datumet 1999-02-30 finns inte"),
            ("abc", "Ange personnumret som"),
        ],
    )
    def test_bad_personnummer_is_refused_with_clear_message(self, handledare_a, raw, message):
        with pytest.raises(ValidationError) as e:
            _create(handledare_a, raw)
        assert message in e.value.message_dict["personnummer"][0]

    def test_second_registration_of_same_personnummer_is_refused(self, handledare_a):
        first = _create(handledare_a)
        with pytest.raises(services.DuplicatePersonnummer) as e:
            _create(handledare_a, "850312-4128", first_name="Annan")
        assert e.value.participant == first

    def test_anonymous_participant_has_no_identity(self, handledare_a):
        p = services.participant_create_anonymous(
            birth_year=1990,
            gender="X",
            kommun=Kommun.objects.get(name="Ludvika"),
            by=handledare_a,
        )
        assert p.is_anonymous and p.personnummer is None and p.first_name == ""

    def test_anonymous_birth_year_out_of_range_is_refused(self, handledare_a):
        with pytest.raises(ValidationError):
            services.participant_create_anonymous(
                birth_year=1800, gender="X", kommun=Kommun.objects.first(), by=handledare_a
            )

    def test_create_is_audited_without_full_personnummer(self, handledare_a):
        p = _create(handledare_a)
        event = AuditEvent.objects.get(action="participant_create")
        assert event.user == handledare_a and event.participant_id == p.pk
        assert "198503124128" not in str(event.changes)


class TestEnrolment:
    def test_one_active_enrolment_per_participant_and_team(self, rehab_team, handledare_a):
        p = ParticipantFactory()
        services.enrolment_create(
            participant=p,
            team=rehab_team,
            start_date=D(2024, 1, 1),
            referrer="AF",
            responsible=handledare_a,
            by=handledare_a,
        )
        with pytest.raises(ValidationError, match="redan en pågående inskrivning"):
            services.enrolment_create(
                participant=p,
                team=rehab_team,
                start_date=D(2024, 2, 1),
                referrer="AF",
                responsible=handledare_a,
                by=handledare_a,
            )

    def test_database_refuses_second_active_enrolment(self, rehab_team):
        e = EnrolmentFactory(team=rehab_team)
        with pytest.raises(IntegrityError), transaction.atomic():
            Enrolment.objects.create(
                participant=e.participant, team=rehab_team, referrer="AF", start_date=D(2024, 3, 1)
            )

    def test_database_refuses_exit_before_start_and_exit_without_outcome(self, rehab_team):
        e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 3, 1))
        for fields in (
            {"exit_date": D(2024, 2, 1), "exit_outcome": "arbete"},
            {"exit_date": D(2024, 4, 1), "exit_outcome": ""},
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                Enrolment.objects.filter(pk=e.pk).update(**fields)

    def test_triage_team_does_not_enrol(self, other_team, handledare_b):
        with pytest.raises(ValidationError, match="En väg in"):
            services.enrolment_create(
                participant=ParticipantFactory(),
                team=other_team,
                start_date=D(2024, 1, 1),
                referrer="AF",
                by=handledare_b,
            )

    def test_income_sources_are_stored_as_a_set(self, rehab_team, handledare_a):
        e = services.enrolment_create(
            participant=ParticipantFactory(),
            team=rehab_team,
            start_date=D(2024, 1, 1),
            referrer="FK",
            responsible=handledare_a,
            income_start=["sjukpenning", "forsorjningsstod"],
            by=handledare_a,
        )
        e.refresh_from_db()
        assert e.income_start_list == ["sjukpenning", "forsorjningsstod"]

    @pytest.mark.parametrize(
        ("birth", "agencies", "kommun", "expected"),
        [
            (D(1985, 3, 12), ["AF", "FK"], "Ludvika", []),
            (D(2008, 6, 2), ["AF", "FK"], "Ludvika", ["16 år"]),
            (D(1959, 1, 1), ["AF", "FK"], "Ludvika", ["66 år"]),
            (D(1985, 3, 12), ["AF"], "Ludvika", ["Färre än två myndigheter"]),
            (D(1985, 3, 12), ["AF", "FK"], "Stockholm", ["inte en kommun som"]),
        ],
    )
    def test_eligibility_warnings(self, rehab_team, birth, agencies, kommun, expected):
        p = ParticipantFactory(birth=birth, kommun=Kommun.objects.get(name=kommun))
        warnings = services.enrolment_warnings(
            participant=p, team=rehab_team, start_date=D(2025, 6, 1), agencies=agencies
        )
        assert len(warnings) == len(expected)
        for text, warning in zip(expected, warnings, strict=True):
            assert text in warning

    def test_age_limit_is_per_team_for_balder(self, rehab_team):
        rehab_team.min_age = 16
        p = ParticipantFactory(birth=D(2008, 6, 2))
        assert not services.enrolment_warnings(
            participant=p, team=rehab_team, start_date=D(2025, 6, 1), agencies=["AF", "FK"]
        )


def _exit(enrolment, by, **kw):
    data = {
        "exit_date": D(2024, 6, 1),
        "outcome": ExitOutcome.ARBETE,
        "occupation_exit": "forvarvsarbete",
        "occupation_exit_share": 50,
    }
    data.update(kw)
    return casework_services.enrolment_exit(
        enrolment=enrolment, data=services.ExitData(**data), by=by
    )


class TestExit:
    def test_exit_ends_open_placement_and_consent(self, rehab_team, handledare_a):
        e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
        module = rehab_team.modules.get(name="Portalen")
        Placement.objects.create(
            enrolment=e, module=module, start_date=D(2024, 1, 1), next_review_due=D(2024, 4, 1)
        )
        Consent.objects.create(
            participant=e.participant, agencies="AF, FK", scope="Allt", given_date=D(2024, 1, 1)
        )
        _exit(e, handledare_a)
        e.refresh_from_db()
        assert e.exit_date == D(2024, 6, 1) and e.phase == "avslut"
        assert Placement.objects.get(enrolment=e).end_date == D(2024, 6, 1)
        assert Consent.objects.get(participant=e.participant).ended_date == D(2024, 6, 1)

    def test_consent_stays_while_enrolled_in_another_team_of_the_forbund(
        self, rehab_team, handledare_a
    ):
        from tests.factories import TeamFactory

        e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
        other = TeamFactory(forbund=rehab_team.forbund)
        EnrolmentFactory(team=other, participant=e.participant)
        Consent.objects.create(
            participant=e.participant, agencies="AF", scope="Allt", given_date=D(2024, 1, 1)
        )
        _exit(e, handledare_a)
        assert Consent.objects.get().ended_date is None

    def test_exit_before_start_is_refused(self, rehab_team, handledare_a):
        e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 7, 1))
        with pytest.raises(ValidationError) as err:
            _exit(e, handledare_a)
        assert "före startdatum" in err.value.message_dict["exit_date"][0]
        e.refresh_from_db()
        assert e.exit_date is None

    def test_exit_in_future_is_refused(self, rehab_team, handledare_a):
        e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 7, 1))
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        with pytest.raises(ValidationError, match="framtiden"):
            _exit(e, handledare_a, exit_date=tomorrow)

    def test_outcome_other_than_work_or_studies_needs_a_plan(self, rehab_team, handledare_a):
        e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
        with pytest.raises(ValidationError) as err:
            _exit(e, handledare_a, outcome=ExitOutcome.MEDICINSK_REHAB)
        assert "handlingsplan" in err.value.message_dict["exit_plan"][0]
        _exit(e, handledare_a, outcome=ExitOutcome.MEDICINSK_REHAB, exit_plan="Vårdcentral")

    def test_second_exit_is_refused(self, rehab_team, handledare_a):
        e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
        _exit(e, handledare_a)
        with pytest.raises(ValidationError, match="redan avslutad"):
            _exit(e, handledare_a)

    def test_exit_before_open_placement_start_is_refused(self, rehab_team, handledare_a):
        e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
        Placement.objects.create(
            enrolment=e,
            module=rehab_team.modules.first(),
            start_date=D(2024, 7, 1),
            next_review_due=D(2024, 10, 1),
        )
        with pytest.raises(ValidationError, match="efter avslutsdatumet"):
            _exit(e, handledare_a)

    def test_undo_exit_needs_reason_and_is_logged(self, rehab_team, admin_user):
        e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
        _exit(e, admin_user)
        with pytest.raises(ValidationError):
            services.enrolment_undo_exit(enrolment=e, reason=" ", by=admin_user)
        services.enrolment_undo_exit(enrolment=e, reason="Fel person", by=admin_user)
        e.refresh_from_db()
        assert e.is_active and e.exit_outcome == ""
        assert AuditEvent.objects.get(action="enrolment_undo_exit").changes["reason"] == (
            "Fel person"
        )

    def test_undo_exit_refused_when_participant_enrolled_again(self, rehab_team, admin_user):
        e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
        _exit(e, admin_user)
        EnrolmentFactory(team=rehab_team, participant=e.participant, start_date=D(2024, 8, 1))
        with pytest.raises(ValidationError, match="annan pågående"):
            services.enrolment_undo_exit(enrolment=e, reason="Fel", by=admin_user)

    def test_mark_error_takes_enrolment_out(self, rehab_team, admin_user):
        e = EnrolmentFactory(team=rehab_team)
        casework_services.enrolment_mark_error(
            enrolment=e, reason="Dubbelregistrerad", by=admin_user
        )
        e.refresh_from_db()
        assert e.registered_in_error and not e.is_active
        # The participant can be enrolled again in the same team.
        EnrolmentFactory(team=rehab_team, participant=e.participant)


class TestCaseNotes:
    def test_goals_and_subgoals(self, rehab_team, handledare_a):
        e = EnrolmentFactory(team=rehab_team)
        goal = services.goal_create(enrolment=e, text="Arbete", by=handledare_a)
        sub = services.goal_create(enrolment=e, text="Praktik", parent=goal, by=handledare_a)
        services.goal_set_status(goal=sub, status=Goal.Status.ACHIEVED, by=handledare_a)
        assert list(goal.subgoals.values_list("status", flat=True)) == ["achieved"]
        with pytest.raises(ValidationError, match="Delmål"):
            services.goal_create(enrolment=e, text="x", parent=sub, by=handledare_a)

    def test_note_cannot_predate_enrolment_or_be_in_future(self, rehab_team, handledare_a):
        e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 15))
        with pytest.raises(ValidationError, match="före inskrivningen"):
            services.note_create(
                enrolment=e, date=D(2024, 1, 1), kind="phone", text="x", by=handledare_a
            )
        with pytest.raises(ValidationError, match="framtiden"):
            services.note_create(
                enrolment=e,
                date=timezone.localdate() + datetime.timedelta(days=1),
                kind="phone",
                text="x",
                by=handledare_a,
            )

    def test_note_text_never_enters_the_audit_trail(self, rehab_team, handledare_a):
        e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 15))
        services.note_create(
            enrolment=e,
            date=D(2024, 2, 1),
            kind="phone",
            text="Hemlig hälsouppgift",
            by=handledare_a,
        )
        assert "Hemlig" not in str(AuditEvent.objects.get(action="note_create").changes)

    @pytest.mark.parametrize(
        ("occurred", "reported", "late"),
        [
            ("2024-03-01T09:00", "2024-03-01T16:00", False),
            ("2024-03-01T23:30", "2024-03-02T00:10", True),
            ("2024-03-01T09:00", None, True),
        ],
    )
    def test_deviation_reported_after_the_same_day_is_late(
        self, rehab_team, handledare_a, occurred, reported, late
    ):
        tz = timezone.get_current_timezone()
        e = EnrolmentFactory(team=rehab_team)

        def parse(s):
            return datetime.datetime.fromisoformat(s).replace(tzinfo=tz) if s else None

        d = services.deviation_create(
            enrolment=e,
            occurred_at=parse(occurred),
            description="Uteblev",
            reported_at=parse(reported),
            reported_to="Handläggare AF" if reported else "",
            by=handledare_a,
        )
        assert services.deviation_is_late(d) is late

    def test_deviation_reported_before_it_happened_is_refused(self, rehab_team, handledare_a):
        tz = timezone.get_current_timezone()
        e = EnrolmentFactory(team=rehab_team)
        with pytest.raises(ValidationError, match="innan avvikelsen"):
            services.deviation_create(
                enrolment=e,
                occurred_at=datetime.datetime(2024, 3, 2, 9, tzinfo=tz),
                description="x",
                reported_at=datetime.datetime(2024, 3, 1, 9, tzinfo=tz),
                reported_to="AF",
                by=handledare_a,
            )


class TestExitFollowUp:
    def _exited(self, team, by):
        return _exit(EnrolmentFactory(team=team, start_date=D(2024, 1, 1)), by)

    def test_follow_ups_after_3_6_and_12_months(self, rehab_team, handledare_a):
        e = self._exited(rehab_team, handledare_a)
        for months, day in ((3, D(2024, 9, 1)), (6, D(2024, 12, 1)), (12, D(2025, 6, 1))):
            services.exit_followup_record(
                enrolment=e,
                months_after=months,
                date=day,
                occupation="forvarvsarbete",
                income=["ingen"],
                by=handledare_a,
            )
        assert list(e.exit_followups.values_list("months_after", flat=True)) == [3, 6, 12]
        assert AuditEvent.objects.filter(action="exit_followup_record").count() == 3

    def test_second_follow_up_for_the_same_interval_is_refused(self, rehab_team, handledare_a):
        e = self._exited(rehab_team, handledare_a)
        services.exit_followup_record(
            enrolment=e, months_after=3, date=D(2024, 9, 1), occupation="studier", by=handledare_a
        )
        with pytest.raises(ValidationError, match="redan registrerad"):
            services.exit_followup_record(
                enrolment=e,
                months_after=3,
                date=D(2024, 9, 2),
                occupation="studier",
                by=handledare_a,
            )

    def test_follow_up_before_exit_or_of_active_enrolment_is_refused(
        self, rehab_team, handledare_a
    ):
        e = self._exited(rehab_team, handledare_a)
        with pytest.raises(ValidationError, match="före avslutet"):
            services.exit_followup_record(
                enrolment=e,
                months_after=3,
                date=D(2024, 5, 1),
                occupation="studier",
                by=handledare_a,
            )
        active = EnrolmentFactory(team=rehab_team)
        with pytest.raises(ValidationError, match="avslutad inskrivning"):
            services.exit_followup_record(
                enrolment=active,
                months_after=3,
                date=D(2024, 9, 1),
                occupation="studier",
                by=handledare_a,
            )
