"""Command-line tools: ``flask --app registry demo``, ``create-user``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from registry import clock
from registry.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from registry.extensions import db
from registry.generate import NotEmpty, generate
from registry.models import OrgLevel, OrgUnit, Person, Role, Year
from registry.services import admin, bulk_registration, jobs, people, search, tokens
from registry.services import audit as audit_service
from registry.services.errors import ValidationFailed
from registry.services.monitoring import take_mid_year_snapshots
from registry.services.notifications import Mailer, send_reminders
from registry.services.verify import make_checkpoint, verify_all
from registry.storage import file_storage


def init_app(app: Flask) -> None:
    @app.cli.command("demo")
    def demo_command():
        """Load the demo data from the seed cases (does nothing when it is already there)."""
        created = load_demo()
        db.session.commit()
        click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")

    @app.cli.command("demo-logins")
    @click.option("--json", "as_json", is_flag=True,
                  help="Every demo account with its role grants, as JSON.")
    def demo_logins_command(as_json):
        """Print the demo accounts to sign in with."""
        if as_json:
            people_rows = db.session.scalars(select(Person).order_by(Person.username)).all()
            click.echo(json.dumps([{"username": p.username, "full_name": p.full_name,
                                    "grants": [{"role": g.role.value, "unit_code": g.unit.code} for g in p.grants]}
                                   for p in people_rows], ensure_ascii=False, indent=2))
            return
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, what in DEMO_LOGINS:
            click.echo(f"  {username:<22} {what}")

    @app.cli.command("remind")
    @click.option("--queue", "in_background", is_flag=True, help="Hand the work to the job worker instead.")
    def remind_command(in_background):
        """Notify owners of quarterly notes due within 7 days or overdue, and e-mail new notifications when
        SMTP is configured. Safe to run from cron as often as wanted: nothing is sent twice."""
        if in_background:
            click.echo(f"Job {jobs.enqueue(None, 'remind').id} queued (flask jobs show ID).")
            return
        config = app.config
        mailer = Mailer.from_config(config)
        result = send_reminders(mailer, locale=config["BABEL_DEFAULT_LOCALE"])
        db.session.commit()
        click.echo(f"{result.created} new reminders, {result.emailed} e-mails sent.")

    @app.cli.command("midyear")
    @click.argument("year", type=int)
    @click.option("--queue", "in_background", is_flag=True, help="Hand the work to the job worker instead.")
    def midyear_command(year, in_background):
        """Take the 6-month review snapshot of every approved task of YEAR (tasks that have one are skipped)."""
        row = db.session.scalar(select(Year).where(Year.year == year))
        if row is None:
            raise click.ClickException(f"No year {year}.")
        if in_background:
            click.echo(f"Job {jobs.enqueue(None, 'midyear', year_id=row.id).id} queued (flask jobs show ID).")
            return
        taken = take_mid_year_snapshots(None, row)
        db.session.commit()
        click.echo(f"{taken} snapshots taken.")

    audit = click.Group("audit", help="Check the tamper-evident audit trail.")
    app.cli.add_command(audit)

    @audit.command("verify")
    @click.option("--checkpoint", "checkpoint_path", type=click.Path(dir_okay=False),
                  help="Also compare with a signed head written earlier by `audit checkpoint`.")
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
    def audit_verify_command(checkpoint_path, as_json):
        """Check the whole chain, every seal and every stored file. Exit 0 when intact, 1 otherwise."""
        checkpoint = None
        if checkpoint_path:
            try:
                checkpoint = json.loads(Path(checkpoint_path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise click.ClickException(f"Cannot read the checkpoint: {exc}") from exc
        report = verify_all(app.config["AUDIT_KEY"], file_storage(app.config), checkpoint)
        if as_json:
            click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        elif report.ok:
            click.echo(f"Audit trail intact: {report.events} events, seals, files and {report.rows_checked} "
                       f"audited rows verified.")
        else:
            click.echo(f"Audit trail NOT intact: first bad sequence number {report.seq}, kind {report.kind}: "
                       f"{report.detail}", err=True)
            for problem in report.rows:
                sealed_by = f" (sealed by event {problem.seq})" if problem.seq else ""
                click.echo(f"  {problem.kind} {problem.table} {problem.id}{sealed_by}: {problem.detail}", err=True)
        if not as_json and report.rows_checked and not report.rows_sealed:
            click.echo("The trail seals no rows yet (written before row sealing): run `flask audit seal`.",
                       err=True)
        sys.exit(0 if report.ok else 1)

    @audit.command("seal")
    def audit_seal_command():
        """Seal every audited row in the trail once, after upgrading an installation whose events carry no row
        digests (the first change after the upgrade would do it otherwise). Does nothing on a sealed trail."""
        sealed = audit_service.seal_rows()
        db.session.commit()
        click.echo(f"{sealed} rows sealed." if sealed else "The trail seals every row already; nothing to do.")

    @audit.command("checkpoint")
    @click.argument("path", type=click.Path(dir_okay=False))
    def audit_checkpoint_command(path):
        """Write the signed head of the chain (sequence, hash, time) to PATH, outside the database."""
        checkpoint = make_checkpoint(app.config["AUDIT_KEY"], clock.now())
        Path(path).write_text(json.dumps(checkpoint, indent=2) + "\n", encoding="utf-8")
        click.echo(f"Checkpoint at event {checkpoint['seq']} written to {path}.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--name", "full_name", required=True, help="Full name")
    @click.option("--grant", "grants", multiple=True, required=True, metavar="ROLE:UNIT_CODE",
                  help=f"A role held in a unit, e.g. secretariat:HN (repeatable); roles: "
                       f"{', '.join(r.value for r in Role)}")
    @click.option("--unit", "unit_code", default=None, help="Code of the person's own unit")
    @click.password_option()
    def create_user_command(username, full_name, grants, unit_code, password):
        """Create an account with its role grants (the first secretariat account, typically)."""
        rows = [_grant_row(text) for text in grants]
        home = _unit_by_code(unit_code).id if unit_code else None
        try:
            people.create_person(None, {"username": username, "full_name": full_name, "grants": rows,
                                        "org_unit_id": home}, password=password)
        except ValidationFailed as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"Created {username}.")

    @app.cli.command("create-unit")
    @click.argument("code")
    @click.option("--name", required=True, help="Full name, e.g. \"Đảng ủy phường Thụy Khuê\"")
    @click.option("--level", required=True, type=click.Choice([level.value for level in OrgLevel]))
    @click.option("--parent", "parent_code", default=None, help="Code of the unit above (none: a top unit)")
    def create_unit_command(code, name, level, parent_code):
        """Create an org unit (a top unit when no --parent is given)."""
        parent = _unit_by_code(parent_code) if parent_code else None
        try:
            admin.save_org_unit(None, None, {"code": code, "name": name, "level": level,
                                             "parent_id": parent.id if parent else None})
        except ValidationFailed as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"Created unit {code}.")

    def _unit_by_code(code: str) -> OrgUnit:
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
        if unit is None:
            raise click.ClickException(f"No unit with code {code}.")
        return unit

    def _grant_row(text: str) -> dict:
        role, sep, code = text.partition(":")
        if not sep or role not in {r.value for r in Role}:
            raise click.ClickException(f"Give a grant as ROLE:UNIT_CODE, not {text!r}.")
        return {"role": role, "unit_id": _unit_by_code(code).id}

    @app.cli.command("export-registrations")
    @click.argument("year", type=int)
    @click.argument("path", type=click.Path(dir_okay=False))
    def export_registrations_command(year, path):
        """Write every registration of YEAR (withdrawn ones left out) to PATH (.xlsx or .csv) in the layout that
        import-registrations reads."""
        row = db.session.scalar(select(Year).where(Year.year == year))
        if row is None:
            raise click.ClickException(f"No year {year}.")
        fmt = "csv" if path.lower().endswith(".csv") else "xlsx"
        _name, data, _mimetype = bulk_registration.export_file(None, row, fmt)
        Path(path).write_bytes(data)
        click.echo(f"{len(bulk_registration.export_tasks(None, row))} registrations of {year} written to {path}.")

    @app.cli.command("import-registrations")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check every row and report, write nothing.")
    def import_registrations_command(path, dry_run):
        """Register the rows of PATH (.xlsx or .csv, the template's columns) as drafts for their owners: all rows
        or none. Rows already registered (same owner, year and title) are skipped. Exit 1 when a row is wrong."""
        def progress(done, total):
            click.echo(f"\rRegistering: {done}/{total}", nl=done == total, err=True)

        report = bulk_registration.import_registrations(None, Path(path).read_bytes(), dry_run=dry_run,
                                                        progress=progress)
        if not report.ok:
            db.session.rollback()
            for issue in report.issues:
                click.echo(f"row {issue.row}" + (f", {issue.column}" if issue.column else "") + f": {issue.message}",
                           err=True)
            click.echo(f"Nothing imported: {len(report.issues)} problem(s) in {report.rows} row(s).", err=True)
            sys.exit(1)
        if dry_run:
            db.session.rollback()
            click.echo(f"Dry run: {len(report.new)} to register, {len(report.already)} already registered; "
                       f"nothing written.")
            return
        db.session.commit()
        click.echo(f"{len(report.created)} registered, {len(report.already)} already registered.")

    @app.cli.group("search")
    def search_group():
        """The search index."""

    @search_group.command("reindex")
    def search_reindex_command():
        """Rebuild the search index from every task, indicator, note, assessment, recommendation and
        self-assessment (existing data; the index is kept in step with every change afterwards)."""
        total = search.reindex(echo=click.echo)
        db.session.commit()
        click.echo(f"{total} texts indexed.")

    @app.cli.group("token")
    def token_group():
        """Personal API tokens."""

    @token_group.command("create")
    @click.argument("username")
    @click.option("--name", default="Command line", show_default=True, help="What the token is for")
    def token_create_command(username, name):
        """Make an API token for USERNAME and print it (it is shown only this once)."""
        person = db.session.scalar(select(Person).where(Person.username == username.strip().lower()))
        if person is None:
            raise click.ClickException(f"No account named {username}.")
        try:
            _token, plaintext = tokens.create_token(None, name, owner=person)
        except ValidationFailed as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"API token for {person.username} (copy it now, it is not shown again):")
        click.echo(plaintext)

    @app.cli.command("generate")
    @click.option("--scale", type=click.Choice(["tiny", "commune", "province", "nation"]), default="commune",
                  show_default=True, help="tiny: 60 tasks a year; commune: 12 communes, 1,500 tasks a year; "
                  "province: 110 communes and 16 agencies, 15,000 tasks a year; nation: 34 provinces, 500,000.")
    @click.option("--years", type=click.IntRange(1, 20), default=1, show_default=True,
                  help="Years of tasks, ending with the current one (earlier years are closed: reviewed).")
    @click.option("--seed", type=int, default=2025, show_default=True, help="Random seed (same seed, same data).")
    @click.option("--force", is_flag=True,
                  help="DELETE EVERYTHING in the database first (it refuses a non-empty database otherwise).")
    @click.option("--json", "as_json", is_flag=True,
                  help="End with the counts written and one sign-in name per role (and the password) as JSON.")
    def generate_command(scale, years, seed, force, as_json):
        """Write a realistic generated dataset with bulk inserts: org tree, people with every role, tasks in
        every state with notes, evidence files (tiny, in the evidence folder), assessments, verdicts,
        notifications and a valid audit chain. Refuses a non-empty database unless --force."""
        try:
            result = generate(scale, years, force=force, seed=seed, echo=None if as_json else click.echo)
        except NotEmpty as exc:
            raise click.ClickException(str(exc)) from exc
        if as_json:
            click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
            return
        click.echo(f"Generated {scale} scale, {years} year(s) in {result.seconds:.1f} s:")
        for table, count in result.counts.items():
            click.echo(f"  {table:<20} {count:>10,}")
        click.echo(f"Sign in with (password {result.as_dict()['password']}):")
        for role, username in result.logins.items():
            click.echo(f"  {role:<20} {username}")
