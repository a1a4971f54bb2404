"""Password rules and the password change page."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kort-ord", "minst 12 tecken"),
        ("123456789012345", "enbart numeriskt"),
        ("password1234", "för vanligt"),
    ],
)
def test_weak_passwords_are_refused_in_swedish(handledare_a, password, message):
    with pytest.raises(ValidationError) as error:
        validate_password(password, handledare_a)
    assert any(message in m for m in error.value.messages), error.value.messages


def test_a_long_passphrase_is_accepted(handledare_a):
    validate_password("fyra slumpade ord i rad", handledare_a)


def test_password_change_page(client, handledare_a):
    client.force_login(handledare_a)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    weak = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "kort", "new_password2": "kort"},
    )
    assert weak.status_code == 200
    assert "minst 12 tecken" in weak.content.decode()
    new = "en helt ny lösenfras för testet"
    done = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert done["Location"] == reverse("account_detail")
    handledare_a.refresh_from_db()
    assert handledare_a.check_password(new)
    # The session that changed the password stays logged in.
    assert client.get(reverse("account_detail")).status_code == 200


def test_password_change_needs_log_in(client):
    response = client.get(reverse("password_change"))
    assert response["Location"].startswith(reverse("login"))
