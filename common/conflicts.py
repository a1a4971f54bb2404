"""Lost-update protection for every form that edits an existing record.

Two people open the same record; A saves a new phone number, then B saves a new address.
Without a check, B's form sends the phone number as B loaded it and A's change is lost.

The form carries, in a signed hidden field, the values of its fields as they were when the
page was loaded: the version the user saw. On save the record's row is locked, its current
values are compared with that version, and

- when none of the form's fields has changed since, the save goes ahead;
- when one has, nothing is saved: the page comes back with the user's input kept, a table of
  what the other user changed (the value when this user opened the form, the value now, and
  what this user entered), and the hidden version moved on to the current one, so that a
  second save, after the user has merged the two, goes through.

Only the fields the form shows count, so that edits of unrelated fields (another form of the
same record) never stop anyone. Evaluated against django-concurrency's version column (README
"Samtidiga ändringar"): a version number says *that* the row changed, not *what* changed, it
needs a column and a migration on every edited model, and writes through `update()` or bulk
paths pass it by.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.shortcuts import redirect

from common.forms import apply_errors

FIELD = "loaded_version"


@dataclass(frozen=True)
class Change:
    """A field another user changed after this user opened the form."""

    name: str
    label: str
    then: str
    now: str
    yours: str


def _norm(value) -> str | list[str]:
    """One comparable text for a field's value, however the form or the model holds it."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return sorted(str(_norm(v)) for v in value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def values_of(obj, form, derive=None) -> dict:
    """The record's current values of the form's fields: the model's fields, or for a field
    the model stores differently, `derive[name](obj)` (the value as the form shows it)."""
    names = [name for name in form.fields if name != FIELD]
    values = model_to_dict(obj, fields=names)
    for name, compute in (derive or {}).items():
        values[name] = compute(obj)
    for name in names:
        if name not in values and hasattr(obj, name):
            values[name] = getattr(obj, name)
    return {name: _norm(values.get(name)) for name in names}


def seal(values: dict, salt: str) -> str:
    """The signed version of a set of values (the form's fields, or a whole grid's cells)."""
    return signing.dumps(values, salt=salt)


def changed_since(token: str, current: dict, salt: str, label=str) -> list[Change]:
    """For pages that edit many rows at once (the budget's lines, the actuals grid): the
    entries of `current` that differ from the sealed version `token`, added or removed ones
    included; every entry when the token is missing or tampered with. `label(key)` names an
    entry for the user. The caller holds the lock on the rows it compares."""
    try:
        loaded = signing.loads(token or "", salt=salt)
    except signing.BadSignature:
        loaded = None
    if loaded == current:
        return []
    # Without a valid version only what exists counts: an empty entry has nothing to lose.
    keys = [k for k, v in current.items() if v] if loaded is None else sorted({*loaded, *current})
    changes = []
    for key in keys:
        then = None if loaded is None else loaded.get(key, "")
        now = current.get(key, "")
        if then == now:
            continue
        changes.append(
            Change(
                name=key,
                label=label(key),
                then="(okänt)" if then is None else (then or "(tomt)"),
                now=now or "(tomt)",
                yours="se formuläret nedan",
            )
        )
    return changes


@dataclass(frozen=True)
class Outcome:
    """What `save_unless_state_changed` did: the changes that stopped the save (none when it
    saved), the version to send back with the page, and what `save()` returned."""

    changes: list
    version: str
    result: object = None


def save_unless_state_changed(
    token: str, *, salt: str, state, save, lock=None, label=str
) -> Outcome:
    """The check of `changed_since` and the save in one transaction: `lock()` locks the rows
    (or `state()` does, reading them with select_for_update), and `save()` runs only when
    nothing changed since `token`."""
    with transaction.atomic():
        if lock is not None:
            lock()
        current = state()
        changes = changed_since(token, current, salt, label)
        if not changes:
            return Outcome(changes=[], version=token, result=save())
    return Outcome(changes=changes, version=seal(current, salt))


def save_edit(request, form, obj, save, *, success: str, derive=None):
    """The edit page's POST with the check of `save_unless_changed`: on a valid form,
    `save(data)` (the cleaned data without the version) runs unless someone else changed the
    record; a service's ValidationError lands on the form. Returns the redirect to `obj` after
    a save (with `success` as the message), else None, and the changes to show."""
    if request.method != "POST" or not form.is_valid():
        return None, []
    data = {k: v for k, v in form.cleaned_data.items() if k != FIELD}
    try:
        changes = save_unless_changed(form, obj, lambda: save(data), derive)
    except ValidationError as e:
        apply_errors(form, e)
        return None, []
    if changes:
        return None, changes
    messages.success(request, success)
    return redirect(obj), []


def _salt(obj) -> str:
    return f"conflicts:{obj._meta.label}:{obj.pk}"


def protect(form, obj, derive=None) -> None:
    """Add the hidden version to an edit form of `obj`. Unbound, it carries the values as
    shown now; bound, the posted one is read by `save_unless_changed`."""
    form.fields[FIELD] = forms.CharField(widget=forms.HiddenInput, required=False)
    if not form.is_bound:
        form.initial[FIELD] = seal(values_of(obj, form, derive), _salt(obj))


def _loaded(form, obj) -> dict | None:
    token = form.data.get(FIELD, "")
    try:
        return signing.loads(token, salt=_salt(obj))
    except signing.BadSignature:
        return None


def _display(field, value) -> str:
    """A value as the user reads it: a choice's label, an object's name, a list joined."""
    if value in ("", []):
        return "(tomt)"
    if isinstance(value, list):
        return ", ".join(_display(field, v) for v in value)
    if isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField):
        found = field.queryset.filter(pk=value).first()
        return str(found) if found is not None else value
    if isinstance(field, forms.ChoiceField):
        return str({str(k): v for k, v in field.choices}.get(value, value))
    if isinstance(field, forms.BooleanField | forms.NullBooleanField):
        return {"true": "Ja", "false": "Nej"}.get(value, value)
    return value


def _changes(form, loaded: dict | None, current: dict) -> list[Change]:
    changes = []
    for name, now in current.items():
        then = loaded.get(name, now) if loaded is not None else None
        if loaded is not None and then == now:
            continue
        field = form.fields[name]
        yours = _norm(form.cleaned_data.get(name))
        changes.append(
            Change(
                name=name,
                label=str(field.label or name),
                then=_display(field, then) if then is not None else "(okänt)",
                now=_display(field, now),
                yours=_display(field, yours),
            )
        )
    return changes


def save_unless_changed(form, obj, save, derive=None) -> list[Change]:
    """Lock `obj`'s row, and call `save()` if none of the form's fields changed since the
    form was loaded. Returns what had changed (empty when saved); then the form carries the
    current version, so that the user can merge and save again. A form without a valid
    version (tampered with, or from before this check) counts every field as changed."""
    with transaction.atomic():
        changes = _check_locked(form, obj, derive)
        if not changes:
            save()
    return changes


def _check_locked(form, obj, derive=None) -> list[Change]:
    """Inside a transaction: lock `obj`'s row and compare it with the form's version. When
    something changed, the form's version moves on to the current values (the page sent back
    saves on the next try) and the changes are returned."""
    fresh = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    current = values_of(fresh, form, derive)
    changes = _changes(form, _loaded(form, obj), current)
    if changes:
        data = form.data.copy()
        data[FIELD] = seal(current, _salt(obj))
        form.data = data
    return changes


class ConflictCheckedModelForm(forms.ModelForm):
    """A ModelForm with the same check, for Django admin's change pages (the team settings):
    the clean step locks the row, and a change made by someone else since the page was opened
    refuses the save with a message naming the fields, the version moved on so that saving
    again after a look goes through. List `FIELD` in the admin's fieldsets."""

    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial[FIELD] = seal(values_of(self.instance, self), _salt(self.instance))

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            # Django admin's change view runs in a transaction, which holds the lock.
            changes = _check_locked(self, self.instance)
            if changes:
                listed = "; ".join(f"{c.label}: {c.then} → {c.now}" for c in changes)
                raise forms.ValidationError(
                    f"Någon annan har ändrat uppgifterna medan du skrev ({listed}). Inget är "
                    "sparat. Kontrollera och spara igen."
                )
        return data
