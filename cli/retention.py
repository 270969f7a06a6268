"""``lotse retention run``: erase the personal data whose retention has ended (CPR
Art. 82, ``domain/retention.py``); ``--dry-run`` lists what is due and why."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from cli.store import command_group, console, errors, open_cases, operator

if TYPE_CHECKING:
    from collections.abc import Callable

    from application.cases import FamilyCases
    from application.retention import Listed, Outcome, Plan, ProjectRetention

    Eraser = Callable[[list[Listed]], list[Outcome]]

retention_app = command_group("Retention (CPR Art. 82) and erasure when it ends.")


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date like 2033-01-01",
                                 param_hint="'--today'") from None


@retention_app.command("run")
def run(dry_run: Annotated[bool, typer.Option(
            "--dry-run", help="List what is due and why; erase nothing.")] = False,
        today: Annotated[str | None, typer.Option(
            help="The day to judge by (YYYY-MM-DD; default: today in Germany). Any day "
                 "for a dry run; for a real run not after today.")] = None) -> None:
    """Erase the personal data of every family whose project's retention has ended:
    those that asked for erasure meanwhile (their processing was restricted) and, as
    the law wants after retention, the closed cases. A case still open is never erased
    here: it is listed apart, to be closed or to have the programme's last payment
    checked. Prints each family with why it is due and what was done; a real run exits
    1 if a family was not erased (a case still open included)."""
    from application.directory import Directory
    from application.retention import plan
    from domain.rules import today_in_programme

    real_today = today_in_programme()
    day = _day(today) or real_today
    if not dry_run and day > real_today:
        errors.print(f"[red]--today {day} lies after today ({real_today}): a real run "
                     "would erase data whose retention still runs. Use --dry-run to "
                     "see what will be due then.[/red]")
        raise typer.Exit(2)
    with open_cases() as cases:
        found = plan(cases, Directory(cases), day)
        say(f"Retention on {day}" + (" (dry run: nothing is erased)." if dry_run else "."))
        outcomes = _report(found, None if dry_run else _eraser(cases, found))
    _summary(found, outcomes, dry_run)
    if not dry_run and (found.still_open or any(o.erased_version is None for o in outcomes)):
        raise typer.Exit(1)


def _eraser(cases: FamilyCases, found: Plan) -> Eraser:
    """Erases a project's due families, then drops their names from the search index."""
    from application.retention import run as erase
    from application.store import schema_lock
    from projections.views.family_index import FamilyIndex

    def forget_names() -> None:
        with schema_lock(cases.settings):
            FamilyIndex.for_cases(cases).catch_up()

    def eraser(listed: list[Listed]) -> list[Outcome]:
        return list(erase(cases, listed, today=found.today, recorded_by=operator(),
                          after_erasure=forget_names))
    return eraser


def say(text: str, indent: int = 0, style: str | None = None) -> None:
    """A paragraph wrapped to the terminal at ``indent``, continued lines indented two
    more, never split inside a word (case numbers and ids stay whole)."""
    import textwrap

    lines = textwrap.wrap(text, width=max(console.width, 40), initial_indent=" " * indent,
                          subsequent_indent=" " * (indent + 2), break_long_words=False,
                          break_on_hyphens=False) or [""]
    console.print("\n".join(lines), style=style, soft_wrap=True, highlight=False,
                  markup=False)


def _report(found: Plan, eraser: Eraser | None) -> list[Outcome]:
    """Per project: its retention, the families due (erased now unless a dry run), the
    cases still open (never erased here) and the requests still waiting."""
    from application.retention import STILL_OPEN

    outcomes: list[Outcome] = []
    for project in found.projects:
        due = [f for f in found.due if f.project == project.code]
        waiting = [f for f in found.waiting if f.project == project.code]
        say("")
        say(f"{project.code}  {project.name}")
        for line in _retention(project):
            say(line, 2)
        done = {o.listed.family_id: o for o in eraser(due)} if eraser and due else {}
        outcomes += done.values()
        if due:
            say(f"due for erasure: {_families(len(due))}", 2)
        for f in due:
            _family(f, done.get(f.family_id), due=True)
        still_open = [f for f in found.still_open if f.project == project.code]
        if still_open:
            say(f"{STILL_OPEN}: {_families(len(still_open))}", 2, "red")
        for f in still_open:
            say(f"{f.case_number}  {f.family_id}", 4)
            say("open case: not " + ("to erase" if eraser is None else "erased"), 6)
        erased = found.already_erased.get(project.code, 0)
        if erased:
            say(f"erased before: {_families(erased)}", 2)
        if waiting:
            say(f"restricted until retention ends: {_families(len(waiting))}", 2)
        for f in waiting:
            _family(f, None, due=False)
    return outcomes


def _retention(project: ProjectRetention) -> list[str]:
    if project.last_payment_on is None:
        return ["no last payment recorded: retention runs, nothing is due"]
    paid = f"last payment {project.last_payment_on}, "
    if project.ended:
        return [paid + f"retention ended {project.ends_on}",
                f"erasure due since {project.due_from}"]
    return [paid + f"retention ends {project.ends_on}",
            f"nothing is due before {project.due_from}"]


def _family(f: Listed, outcome: Outcome | None, *, due: bool) -> None:
    """A family with why it is listed and, once the run tried, what happened."""
    say(f"{f.case_number}  {f.family_id}", 4)
    say(f"asked for erasure on {f.requested_on}" if f.requested_on
        else "no request: retention ended", 6)
    if not due:
        return
    if outcome is None:
        say(f"to erase: {f.basis}", 6)
    elif outcome.erased_version is None:
        say(f"NOT erased: {outcome.problem}", 6, "red")
    else:
        say(f"erased (version {outcome.erased_version}): {outcome.basis}", 6)


def _summary(found: Plan, outcomes: list[Outcome], dry_run: bool) -> None:
    say("")
    if dry_run:
        after = sum(1 for f in found.due if f.requested_on is not None)
        say(f"Due: {_families(len(found.due))}: {after} after a request, "
            f"{len(found.due) - after} without one.")
        if found.due:
            say("Run without --dry-run to erase them.")
        _still_open(found, "Not to erase")
        return
    erased = [o for o in outcomes if o.erased_version is not None]
    after = sum(1 for o in erased if o.listed.requested_on is not None)
    say(f"Erased {_families(len(erased))}: {after} after a request, "
        f"{len(erased) - after} without one.")
    failed = len(outcomes) - len(erased)
    if failed:
        say(f"{_families(failed)} NOT erased: run again.", style="red bold")
    _still_open(found, "Not erased")


def _still_open(found: Plan, done: str) -> None:
    from application.retention import STILL_OPEN

    n = len(found.still_open)
    if n:
        say(f"{done}: {_families(n)} {STILL_OPEN}.", style="red bold")


def _families(n: int) -> str:
    return f"{n} famil{'y' if n == 1 else 'ies'}"
