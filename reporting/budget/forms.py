"""Forms of the budget follow-up: amounts are typed the Swedish way ("1 185 000", "1 234,50")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms

from reporting.budget import importing as budget_import
from reporting.budget.followup import AmountError, month_name, month_started, parse_amount
from reporting.budget.services import FIRST_YEAR, LAST_YEAR, NAME_MAX_LENGTH
from reporting.uploads import SpreadsheetUploadForm, megabytes


def amount_text(value) -> str:
    """An amount as it is shown in an input: groups of three, decimal comma only when needed."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        return value
    value = Decimal(value)
    whole = int(value)
    text = f"{whole:,}".replace(",", " ")
    if value != whole:
        text += "," + f"{value:.2f}".split(".")[1]
    return text


class AmountInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        return amount_text(value) or None


class KronorField(forms.Field):
    """Kronor, at least 0, at most two decimals; clean gives a Decimal (or None if empty)."""

    widget = AmountInput
    MAX_LENGTH = 30

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": str(self.MAX_LENGTH)}

    def to_python(self, value):
        text = str(value).strip() if value not in self.empty_values else ""
        if not text:
            return None
        if len(text) > self.MAX_LENGTH:
            raise forms.ValidationError("Beloppet är för långt.", code="max_length")
        try:
            return parse_amount(text)
        except AmountError as e:
            raise forms.ValidationError(str(e), code="invalid") from None

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (
                Decimal(initial) if initial not in (None, "") else None
            )
        except forms.ValidationError:
            return True


class BudgetOpenForm(forms.Form):
    """Open (or create) a team's budget for a year."""

    team = forms.ModelChoiceField(
        label="Team",
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": "Välj ett av de team där du är enhetschef."},
    )
    ar = forms.IntegerField(
        label="År",
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={
            "required": "Ange ett år.",
            "invalid": "Ange året med fyra siffror, t.ex. 2025.",
            "min_value": f"Året måste vara {FIRST_YEAR} eller senare.",
            "max_value": f"Året måste vara {LAST_YEAR} eller tidigare.",
        },
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class AsOfForm(forms.Form):
    per = forms.DateField(
        label="Per datum",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Ange datumet som ÅÅÅÅ-MM-DD."},
        help_text="Tomt: i dag för innevarande år, 31 december för tidigare år.",
    )

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_per(self):
        day = self.cleaned_data.get("per")
        if day is not None and day.year != self.year:
            raise forms.ValidationError(f"Datumet måste ligga i budgetåret {self.year}.")
        return day


class BudgetLineForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(
        label="Budgetrad",
        max_length=NAME_MAX_LENGTH,
        required=False,
        error_messages={"max_length": f"Namnet får vara högst {NAME_MAX_LENGTH} tecken."},
    )
    amount = KronorField(label="Budget (kr)", required=False)
    outside_grant = forms.BooleanField(
        label="Utanför förbundets medel",
        required=False,
        help_text="Bärs av huvudmannen utanför förbundets medel.",
    )

    def clean(self):
        cleaned = super().clean()
        name, amount = cleaned.get("name", "").strip(), cleaned.get("amount")
        if "amount" in self.errors or "name" in self.errors:
            return cleaned
        if name and amount is None:
            self.add_error("amount", "Ange budgeterat belopp för raden (0 går bra).")
        elif amount is not None and not name:
            self.add_error("name", "Ange radens namn.")
        cleaned["name"] = name
        return cleaned

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("name") and data.get("amount") is None and not data.get("id")


class BaseBudgetLineFormSet(forms.BaseFormSet):
    def clean(self):
        if any(f.errors for f in self.forms if not self._should_delete_form(f)):
            return
        seen: dict[str, int] = {}
        kept = 0
        for index, form in enumerate(self.forms, start=1):
            if self._should_delete_form(form) or form.is_blank:
                continue
            name = form.cleaned_data["name"]
            if not name:
                # An existing line emptied: deleting is done with "Ta bort".
                form.add_error("name", "Ange radens namn, eller kryssa i ”Ta bort”.")
                continue
            if name.casefold() in seen:
                form.add_error("name", f"Raden finns redan (rad {seen[name.casefold()]}).")
            else:
                seen[name.casefold()] = index
            kept += 1
        if not kept and not any(self.errors):
            raise forms.ValidationError("Budgeten måste ha minst en rad.")


BudgetLineFormSet = forms.formset_factory(
    BudgetLineForm, formset=BaseBudgetLineFormSet, extra=2, can_delete=True, max_num=60
)


def _total(amounts) -> Decimal | None:
    """The sum of the amounts that are there; None if none is."""
    present = [a for a in amounts if a is not None]
    return sum(present, Decimal(0)) if present else None


class ActualsGridForm(forms.Form):
    """Actual cost per month (rows) and budget line (columns). Months that have not begun are
    shown but cannot be filled in. An emptied cell removes that month's cost; a cell the POST
    leaves out is left as it is."""

    def __init__(self, *args, budget, lines, actuals: dict, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.year = budget.year
        self.saved = actuals
        for month in range(1, 13):
            open_month = month_started(budget.year, month, today)
            for line in lines:
                self.fields[self.key(line.pk, month)] = KronorField(
                    label=f"{line.name}, {month_name(month)}",
                    required=False,
                    disabled=not open_month,
                    initial=actuals.get((line.pk, month)),
                )

    @staticmethod
    def key(line_id: int, month: int) -> str:
        return f"m{month}_r{line_id}"

    def grid(self):
        """[(month, name, [bound field per line], saved total of the month)] for the
        template. The totals are of the saved costs, so a page sent back with errors shows
        what is stored, not what was typed."""
        return [
            (
                month,
                month_name(month).capitalize(),
                [self[self.key(line.pk, month)] for line in self.lines],
                _total(self.saved.get((line.pk, month)) for line in self.lines),
            )
            for month in range(1, 13)
        ]

    def line_totals(self) -> list[Decimal | None]:
        """The saved cost of each line over the year, in column order."""
        return [
            _total(self.saved.get((line.pk, month)) for month in range(1, 13))
            for line in self.lines
        ]

    def grand_total(self) -> Decimal | None:
        return _total(self.saved.get((line.pk, m)) for line in self.lines for m in range(1, 13))

    def cell_errors(self) -> list[tuple[str, str]]:
        """(input id, "November, Aktiviteter: message") for each refused cell, month by month
        and line by line as the grid shows them: the error summary above the grid links each
        to its input."""
        found = []
        for month in range(1, 13):
            for line in self.lines:
                bound = self[self.key(line.pk, month)]
                if bound.errors:
                    where = f"{month_name(month).capitalize()}, {line.name}"
                    found.append((bound.auto_id, f"{where}: {' '.join(bound.errors)}"))
        return found

    def changed_cells(self) -> dict[tuple[int, int], Decimal | None]:
        """Only the cells posted and changed: a cost someone else entered meanwhile in another
        cell is never overwritten with what this page showed, and a cell the POST does not hold
        at all is left as it is (a posted empty cell removes that month's cost)."""
        cells = {}
        for month in range(1, 13):
            for line in self.lines:
                name = self.key(line.pk, month)
                if self.fields[name].disabled or name not in self.data:
                    continue
                if name not in self.changed_data:
                    continue
                cells[(line.pk, month)] = self.cleaned_data[name]
        return cells


class ActualsUploadForm(SpreadsheetUploadForm):
    max_bytes = budget_import.MAX_UPLOAD_BYTES
    file_help = (
        "CSV (UTF-8, komma eller semikolon) eller Excel (.xlsx) med kolumnerna manad, rad och "
        f"belopp, högst {megabytes(budget_import.MAX_UPLOAD_BYTES)} MB."
    )

    parse = staticmethod(budget_import.parse)


class ImportConfirmForm(forms.Form):
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
