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
from registry.models import Person, Role, Year
from registry.services import people, tokens
from registry.services.errors import ValidationFailed
from registry.services.monitoring import take_mid_year_snapshots
from registry.services.notifications import Mailer, send_reminders
from registry.services.verify import make_checkpoint, verify_all


def init_app(app: Flask) -> None:
    @app.cli.command("demo")
    def demo_command():
        """Load the demo data from the seed cases (does nothing when it is already there)."""
        created = load_demo()
        db.session.commit()
        click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")

    @app.cli.command("demo-logins")
    def demo_logins_command():
        """Print the demo accounts to sign in with."""
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, what in DEMO_LOGINS:
            click.echo(f"  {username:<22} {what}")

    @app.cli.command("remind")
    def remind_command():
        """Notify owners of quarterly notes due within 7 days or overdue, and e-mail new notifications when
        SMTP is configured. Safe to run from cron as often as wanted: nothing is sent twice."""
        config = app.config
        mailer = Mailer(host=config["SMTP_HOST"], port=int(config["SMTP_PORT"]), sender=config["SMTP_SENDER"],
                        username=config["SMTP_USERNAME"], password=config["SMTP_PASSWORD"],
                        use_tls=bool(config["SMTP_USE_TLS"])) if config.get("SMTP_HOST") else None
        result = send_reminders(mailer, locale=config["BABEL_DEFAULT_LOCALE"])
        db.session.commit()
        click.echo(f"{result.created} new reminders, {result.emailed} e-mails sent.")

    @app.cli.command("midyear")
    @click.argument("year", type=int)
    def midyear_command(year):
        """Take the 6-month review snapshot of every approved task of YEAR (tasks that have one are skipped)."""
        row = db.session.scalar(select(Year).where(Year.year == year))
        if row is None:
            raise click.ClickException(f"No year {year}.")
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
        report = verify_all(app.config["AUDIT_KEY"], Path(app.config["EVIDENCE_DIR"]), checkpoint)
        if as_json:
            click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        elif report.ok:
            click.echo(f"Audit trail intact: {report.events} events, seals and files verified.")
        else:
            click.echo(f"Audit trail NOT intact: first bad sequence number {report.seq}, kind {report.kind}: "
                       f"{report.detail}", err=True)
        sys.exit(0 if report.ok else 1)

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
    @click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]), required=True)
    @click.password_option()
    def create_user_command(username, full_name, roles, password):
        """Create an account (the first secretariat account, typically)."""
        try:
            people.create_person(None, {"username": username, "full_name": full_name, "roles": list(roles)},
                                 password=password)
        except ValidationFailed as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"Created {username}.")

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
