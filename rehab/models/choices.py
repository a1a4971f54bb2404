"""The case's choice lists (SPEC §4, §8) and the income sources stored as bits."""

from django.db import models


class Gender(models.TextChoices):
    K = "K", "Kvinna"
    M = "M", "Man"
    X = "X", "Annat / ej angivet"


class Referrer(models.TextChoices):
    EVI = "EVI", "En väg in"
    AF = "AF", "Arbetsförmedlingen"
    FK = "FK", "Försäkringskassan"
    REGION = "Region", "Regionen (hälso- och sjukvård)"
    KOMMUN = "Kommun", "Kommunen (IFO/AME)"
    EGEN = "Egen", "Egen anmälan"
    FORBUND = "Forbund", "Verksamhet finansierad av förbundet"


class ExitOutcome(models.TextChoices):
    """SPEC §8 outcome codes, in the order of the board table."""

    TIDIGT_AVHOPP = "tidigt_avhopp", "Tidigt avhopp"
    ARBETE = "arbete", "Arbete (med eller utan stöd)"
    STUDIER = "studier", "Studier"
    ANNAN_REHAB = "annan_arbetslivsinriktad_rehab", "Annan arbetslivsinriktad rehabilitering"
    MEDICINSK_REHAB = "medicinsk_rehab", "Medicinsk rehabilitering"
    ERSATTNING = "aktivitets_eller_sjukersattning", "Aktivitets- eller sjukersättning"
    ANNAT = "annat", "Annat, t.ex. social praktik"


class Agency(models.TextChoices):
    """The agencies that pool their money in a förbund."""

    AF = "AF", "Arbetsförmedlingen"
    FK = "FK", "Försäkringskassan"
    REGION = "Region", "Regionen"
    KOMMUN = "Kommun", "Kommunen"


class Occupation(models.TextChoices):
    ARBETE = "forvarvsarbete", "Förvärvsarbete"
    STUDIER = "studier", "Studier"
    ARBETSSOKANDE = "arbetssokande", "Arbetssökande"
    OVRIGT = "ovrigt", "Övrigt"


class Education(models.TextChoices):
    FORGYMNASIAL = "forgymnasial", "Förgymnasial"
    GYMNASIAL = "gymnasial", "Gymnasial"
    EFTERGYMNASIAL = "eftergymnasial", "Eftergymnasial"
    OKAND = "okand", "Okänd"


class IncomeSource(models.TextChoices):
    """Försörjning. Stored as a bit set (see INCOME_BITS) so that the board's before → after
    matrix is a handful of conditional counts in one query."""

    SJUKPENNING = "sjukpenning", "Sjukpenning / rehabiliteringspenning"
    ERSATTNING = "ersattning", "Sjuk- eller aktivitetsersättning"
    AKASSA = "akassa", "A-kassa"
    AKTIVITETSSTOD = "aktivitetsstod", "Aktivitetsstöd"
    FORSORJNINGSSTOD = "forsorjningsstod", "Försörjningsstöd"
    ETABLERINGSERSATTNING = "etableringsersattning", "Etableringsersättning"
    ANNAN = "annan", "Annan försörjning"
    INGEN = "ingen", "Ingen offentlig försörjning"


# Each source's bit is stored in the enrolments' income columns, so a bit is never reused or
# renumbered: a new source takes the next free bit, wherever it stands in the list above.
_BIT_NUMBERS = {
    "sjukpenning": 0,
    "ersattning": 1,
    "akassa": 2,
    "aktivitetsstod": 3,
    "forsorjningsstod": 4,
    "annan": 5,
    "ingen": 6,
    "etableringsersattning": 7,
}
INCOME_BITS = {source: 1 << _BIT_NUMBERS[source] for source in IncomeSource.values}


def income_to_bits(sources):
    bits = 0
    for source in sources:
        bits |= INCOME_BITS[source]
    return bits


def income_from_bits(bits):
    return [source for source, bit in INCOME_BITS.items() if bits and bits & bit]
