"""Command-line tools: ``flask --app registry demo``, ``create-user``."""

from __future__ import annotations

import click
from flask import Flask

from registry.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from registry.extensions import db
from registry.models import Role
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
