"""Drafts of journal notes (issue #22): kept on the server per user and enrolment, restored
when the form is opened again, deleted when the note is saved, seen by nobody else."""

import datetime

import pytest
from django.urls import reverse

from rehab.models import JournalNote, JournalNoteDraft, Membership
from tests.factories import EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(rehab_team):
    return EnrolmentFactory(team=rehab_team, start_date=datetime.date(2024, 1, 15))


def _colleague(team):
    user = UserFactory(username="kollega")
    Membership.objects.create(user=user, team=team, role="handledare")
    return user


def test_a_saved_draft_is_restored_and_then_deleted_with_the_note(client, handledare_a, enrolment):
    client.force_login(handledare_a)
    url = reverse("note_create", args=[enrolment.pk])
    response = client.post(
        url, {"utkast": "spara", "date": "2024-03-01", "kind": "phone", "text": "Ringde om"}
    )
    assert response.status_code == 302
    draft = JournalNoteDraft.objects.get(enrolment=enrolment, author=handledare_a)
    assert (draft.date, draft.kind, draft.text) == (
        datetime.date(2024, 3, 1),
        "phone",
        "Ringde om",
    )
    assert not JournalNote.objects.exists()  # a draft is not a note

    page = client.get(url).content.decode()
    assert "är återställt" in page and "Ringde om" in page
    assert 'value="2024-03-01"' in page and '<option value="phone" selected>' in page

    response = client.post(
        url, {"date": "2024-03-01", "kind": "phone", "text": "Ringde om praktiken"}
    )
    assert response.status_code == 302
    assert JournalNote.objects.get().text == "Ringde om praktiken"
    assert not JournalNoteDraft.objects.exists()
    assert "återställt" not in client.get(url).content.decode()


def test_a_half_written_draft_is_kept_even_if_the_note_could_not_be_saved(
    client, handledare_a, enrolment
):
    client.force_login(handledare_a)
    url = reverse("note_create", args=[enrolment.pk])
    client.post(url, {"utkast": "spara", "date": "", "kind": "", "text": "Halvfärdig"})
    draft = JournalNoteDraft.objects.get()
    assert (draft.date, draft.kind, draft.text) == (None, "", "Halvfärdig")
    # Restored with today's date, as a new note would be.
    assert "Halvfärdig" in client.get(url).content.decode()


def test_autosave_answers_json_and_an_empty_text_removes_the_draft(
    client, handledare_a, enrolment
):
    client.force_login(handledare_a)
    url = reverse("note_draft", args=[enrolment.pk])
    response = client.post(url, {"date": "2024-03-01", "kind": "nonsense", "text": "Utkast"})
    assert response.status_code == 200
    assert response.json()["status"].startswith("Utkastet är sparat kl.")
    assert JournalNoteDraft.objects.get().kind == ""  # an unknown kind is not kept
    response = client.post(url, {"date": "2024-03-01", "kind": "", "text": "  "})
    assert response.json()["status"] == "Inget utkast (ingen text)."
    assert not JournalNoteDraft.objects.exists()
    assert client.get(url).status_code == 405


def test_too_long_a_draft_is_refused_in_swedish(client, handledare_a, enrolment):
    client.force_login(handledare_a)
    response = client.post(
        reverse("note_draft", args=[enrolment.pk]), {"text": "x" * 20_001, "date": "", "kind": ""}
    )
    assert response.status_code == 400
    assert "Anteckningen" in response.json()["fel"]
    assert not JournalNoteDraft.objects.exists()
    response = client.post(
        reverse("note_create", args=[enrolment.pk]),
        {"utkast": "spara", "text": "x" * 20_001, "date": "", "kind": ""},
    )
    assert response.status_code == 200 and "Anteckningen" in response.content.decode()


def test_discarding_asks_first(client, handledare_a, enrolment):
    client.force_login(handledare_a)
    url = reverse("note_create", args=[enrolment.pk])
    client.post(url, {"utkast": "spara", "date": "", "kind": "", "text": "Bort"})
    page = client.get(url + "?slang=1").content.decode()
    assert "Vill du slänga utkastet?" in page
    assert JournalNoteDraft.objects.exists()
    response = client.post(url, {"utkast": "slang"}, follow=True)
    assert "Utkastet är slängt." in response.content.decode()
    assert not JournalNoteDraft.objects.exists()


def test_a_draft_is_its_authors_alone(client, handledare_a, handledare_b, rehab_team, enrolment):
    client.force_login(handledare_a)
    client.post(
        reverse("note_draft", args=[enrolment.pk]),
        {"date": "", "kind": "", "text": "Hannas utkast"},
    )
    colleague = _colleague(rehab_team)
    client.force_login(colleague)
    page = client.get(reverse("note_create", args=[enrolment.pk])).content.decode()
    assert "Hannas utkast" not in page and "återställt" not in page
    # The colleague's note does not delete the author's draft.
    client.post(
        reverse("note_create", args=[enrolment.pk]),
        {"date": "2024-03-01", "kind": "phone", "text": "Kollegans"},
    )
    assert JournalNoteDraft.objects.filter(author=handledare_a).exists()
    # A handledare of another team can neither read nor write one.
    client.force_login(handledare_b)
    for name in ("note_create", "note_draft"):
        assert client.post(reverse(name, args=[enrolment.pk]), {"text": "x"}).status_code in {
            403,
            404,
        }
    assert JournalNoteDraft.objects.count() == 1


def test_the_participant_page_points_to_the_draft(client, handledare_a, enrolment):
    client.force_login(handledare_a)
    client.post(
        reverse("note_draft", args=[enrolment.pk]), {"date": "", "kind": "", "text": "Påbörjad"}
    )
    page = client.get(enrolment.get_absolute_url()).content.decode()
    assert "Fortsätt på ditt utkast" in page
    assert "Påbörjad" not in page  # the text itself stays in the form
