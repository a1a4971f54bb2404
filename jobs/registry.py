"""The kinds of job, registered by the apps that own the work (in their AppConfig.ready), so
that this low layer runs them without importing them.

A kind's function takes the job and a `Progress` and returns a `JobFile` (a download), a
`JobMessage` (a result shown on the status page, such as an import's counts), or raises
`JobFailed` with a Swedish message for the user."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobFile:
    content: bytes
    filename: str
    content_type: str
    message: str = ""


@dataclass(frozen=True)
class JobMessage:
    message: str


class JobFailed(Exception):
    """The work cannot be done, for a reason the user can act on (a Swedish sentence)."""


class Progress:
    """Reports how far a job has come; `step(done, total)` writes at most every `every` units
    (an import's 1 000 rows) and always at the end."""

    def __init__(self, save: Callable[[int, int], None], every: int = 1):
        self._save = save
        self.every = max(1, every)
        self._last = -1

    def step(self, done: int, total: int) -> None:
        if done == total or self._last < 0 or done - self._last >= self.every:
            self._last = done
            self._save(done, total)


Runner = Callable[..., "JobFile | JobMessage"]
_KINDS: dict[str, Runner] = {}
_EVERY: dict[str, int] = {}


def register(kind: str, run: Runner, *, progress_every: int = 1) -> None:
    """`progress_every`: the units between two progress writes (an import's 1 000 rows)."""
    _KINDS[kind] = run
    _EVERY[kind] = progress_every


def progress_every(kind: str) -> int:
    return _EVERY.get(kind, 1)


def runner(kind: str) -> Runner:
    try:
        return _KINDS[kind]
    except KeyError:
        raise JobFailed("Den här sortens jobb finns inte längre.") from None
