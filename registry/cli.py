"""Command-line tools: ``flask --app registry demo``, ``create-user``."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from registry.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from registry.extensions import db
from registry.models import Role, Year
from registry.services.monitoring import take_mid_year_snapshots
from registry.services.notifications import Mailer, send_reminders
from registry.services import people
from registry.services.errors import ValidationFailed


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
