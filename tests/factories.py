"""factory_boy factories with Swedish fake data."""

import datetime
import random

import factory
from django.contrib.auth import get_user_model

from rehab import personnummer
from rehab.models import Enrolment, Forbund, Gender, Kommun, Participant, Referrer, Team

PASSWORD = "ett-långt-testlösenord"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    # Staff names never look like a participant's: the page header shows the user's name, and
    # tests assert that a participant's name is absent from a page.
    first_name = "Testa"
    last_name = factory.Sequence(lambda n: f"Personalsson{n}")
    password = factory.django.Password(PASSWORD)


class ForbundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forbund

    name = factory.Sequence(lambda n: f"Samordningsförbund {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    forbund = factory.SubFactory(ForbundFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    huvudman = "Exempel kommun"


def _kommun():
    return Kommun.objects.get(name="Ludvika")


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    class Params:
        birth = factory.LazyFunction(
            lambda: datetime.date(1985, 3, 12) + datetime.timedelta(days=random.randint(0, 9000))
        )

    gender = factory.Iterator([Gender.K, Gender.M])
    personnummer = factory.LazyAttribute(
        lambda o: personnummer.generate(random.Random(), o.birth, female=o.gender == Gender.K)
    )
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    birth_year = factory.LazyAttribute(lambda o: o.birth.year)
    birth_date = factory.LazyAttribute(lambda o: o.birth)
    kommun = factory.LazyFunction(_kommun)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    participant = factory.SubFactory(ParticipantFactory)
    team = factory.SubFactory(TeamFactory)
    referrer = Referrer.AF
    start_date = datetime.date(2024, 1, 15)
