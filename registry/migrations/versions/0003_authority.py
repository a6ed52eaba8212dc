"""authority belongs to committees: role grants in org units, unit paths, task committees, audit units

An existing database upgrades with every current role granted in its person's root unit (the top ancestor of
the person's unit; for a person without a unit, the top unit with the lowest id) and every task assigned to
the root unit of its owner; nothing is lost. Audit events get the unit they are filed under from the columns
they already have; their payloads and hashes are not touched, so the chain still verifies (events written
before this revision carry no "unit_id" in their payload, and the verifier compares the column only when the
payload has one).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 09:00:00.000000

"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

import registry.models.base  # noqa: F401  - custom column types

# Kept here as they were when this revision was written, so that later code changes do not alter it.
ROLES = ('owner', 'monitor', 'standing', 'secretariat', 'inspector')
ROOT_UNIT = {"code": "ROOT", "name": "Đơn vị gốc", "level": "province"}
SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
]
SQLITE_DROP_TRIGGERS = ["DROP TRIGGER IF EXISTS audit_events_no_update",
                        "DROP TRIGGER IF EXISTS audit_events_no_delete"]
POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
    "CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
]
POSTGRESQL_DROP_TRIGGERS = ["DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events",
                            "DROP FUNCTION IF EXISTS audit_events_append_only()"]

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def path_type():
    """The materialised path: byte-ordered on PostgreSQL so that a prefix is a range (SQLite compares bytes)."""
    return sa.String(length=400).with_variant(sa.String(length=400, collation='C'), 'postgresql')


def role_type():
    return sa.Enum(*ROLES, name='role', native_enum=False, create_constraint=True, length=24)


# lightweight tables for the data steps, as they are during this revision
org_units = sa.table('org_units', sa.column('id', sa.Integer), sa.column('parent_id', sa.Integer),
                     sa.column('path', sa.String), sa.column('code', sa.String), sa.column('name', sa.String),
                     sa.column('level', sa.String), sa.column('is_active', sa.Boolean))
people = sa.table('people', sa.column('id', sa.Integer), sa.column('org_unit_id', sa.Integer))
person_roles = sa.table('person_roles', sa.column('person_id', sa.Integer), sa.column('role', sa.String))
role_grants = sa.table('role_grants', sa.column('id', sa.Integer), sa.column('person_id', sa.Integer),
                       sa.column('role', sa.String), sa.column('unit_id', sa.Integer))
tasks = sa.table('tasks', sa.column('id', sa.Integer), sa.column('owner_id', sa.Integer),
                 sa.column('committee_id', sa.Integer))
audit_events = sa.table('audit_events', sa.column('seq', sa.Integer), sa.column('task_id', sa.Integer),
                        sa.column('subject_person_id', sa.Integer), sa.column('object_type', sa.String),
                        sa.column('object_id', sa.Integer), sa.column('unit_id', sa.Integer))


# -- helpers -----------------------------------------------------------------------------------------------

@contextmanager
def schema_change(bind):
    """Run the body as one transaction; on SQLite with foreign keys switched off.

    SQLite changes a table by creating a new one, copying the rows and dropping the old one. With foreign keys
    enforced, that drop deletes the rows first: children would be deleted by ON DELETE CASCADE, or the drop
    refused. So, as SQLite's documentation prescribes for table changes: foreign keys off (only possible
    outside a transaction), one transaction, ``PRAGMA foreign_key_check``, commit, foreign keys on again (the
    connection goes back to the pool as it came).
    """
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("revision 0003 must switch SQLite's foreign keys off to rebuild tables, which is "
                           "impossible inside a transaction: run it in a transaction of its own")
    try:
        bind.exec_driver_sql("BEGIN")
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"revision 0003 would leave broken foreign keys: {broken[:10]}")
        bind.exec_driver_sql("COMMIT")
    except BaseException:
        bind.connection.dbapi_connection.rollback()
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def drop_audit_triggers(bind):
    for statement in SQLITE_DROP_TRIGGERS if bind.dialect.name == "sqlite" else POSTGRESQL_DROP_TRIGGERS:
        op.execute(statement)


def create_audit_triggers(bind):
    for statement in SQLITE_TRIGGERS if bind.dialect.name == "sqlite" else POSTGRESQL_TRIGGERS:
        op.execute(statement)


def unit_paths(parents):
    """``{unit id: "/root/.../id/"}`` from ``{unit id: parent id}``, parents first; refuses a cycle."""
    paths = {}
    for unit_id in sorted(parents):
        chain, current = [], unit_id
        while current is not None and current not in paths:
            if current in chain:
                raise RuntimeError(f"org unit {current} is its own ancestor: fix the parent chain first")
            chain.append(current)
            current = parents[current]
        prefix = paths[current] if current is not None else "/"
        for member in reversed(chain):
            prefix = f"{prefix}{member}/"
            paths[member] = prefix
    return paths


def root_of(path):
    return int(path.strip("/").split("/")[0])


def execute_many(bind, statement, rows):
    if rows:
        bind.execute(statement, rows)


# -- upgrade -------------------------------------------------------------------------------------------------

def upgrade():
    bind = op.get_bind()
    with schema_change(bind):
        drop_audit_triggers(bind)
        add_structure()
        fill(bind)
        require_filled()
        create_audit_triggers(bind)


def add_structure():
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', path_type(), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_org_units_merged_into_id_org_units'), 'org_units',
                                    ['merged_into_id'], ['id'])

    op.create_table('org_unit_names',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('until_year', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_org_unit_names_unit_id_org_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_unit_names'))
    )
    with op.batch_alter_table('org_unit_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_unit_names_unit_id'), ['unit_id'], unique=False)

    op.create_table('role_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', role_type(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_role_grants_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_role_grants_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grants')),
    sa.UniqueConstraint('person_id', 'role', 'unit_id', name=op.f('one_grant'))
    )
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grants_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_role_grants_unit_role', ['unit_id', 'role'], unique=False)

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('committee_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tasks_committee_id_org_units'), 'org_units',
                                    ['committee_id'], ['id'])

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_audit_events_unit_id_org_units'), 'org_units',
                                    ['unit_id'], ['id'])
        batch_op.create_index('ix_audit_events_unit_seq', ['unit_id', 'seq'], unique=False)


def fill(bind):
    """Paths, the root unit if people have none, grants, task committees and audit units."""
    parents = dict(bind.execute(sa.select(org_units.c.id, org_units.c.parent_id)).all())
    person_units = dict(bind.execute(sa.select(people.c.id, people.c.org_unit_id)).all())

    # 2. people but no unit at all: one top unit, for their grants and their tasks
    if person_units and not parents:
        bind.execute(org_units.insert().values(is_active=True, **ROOT_UNIT))
        root_id = bind.execute(sa.select(org_units.c.id).where(org_units.c.code == ROOT_UNIT["code"])).scalar_one()
        parents = {root_id: None}

    # 1. every unit's path from its parent chain
    paths = unit_paths(parents)
    execute_many(bind, org_units.update().where(org_units.c.id == sa.bindparam('unit')).values(
        path=sa.bindparam('unit_path')), [{"unit": unit, "unit_path": path} for unit, path in sorted(paths.items())])

    # a person's root unit: the top ancestor of their unit; without a unit, the top unit with the lowest id
    first_top = min((unit for unit, parent in parents.items() if parent is None), default=None)
    person_root = {person: root_of(paths[unit]) if unit is not None else first_top
                   for person, unit in person_units.items()}

    # 3. every role becomes a grant in the person's root unit
    held = bind.execute(sa.select(person_roles.c.person_id, person_roles.c.role)
                        .order_by(person_roles.c.person_id, person_roles.c.role)).all()
    execute_many(bind, role_grants.insert(), [
        {"person_id": person, "role": role, "unit_id": person_root[person]} for person, role in held])

    # 4. every task is registered with the owner's root unit
    owners = bind.execute(sa.select(tasks.c.id, tasks.c.owner_id).order_by(tasks.c.id)).all()
    committees = {task: person_root[owner] for task, owner in owners}
    execute_many(bind, tasks.update().where(tasks.c.id == sa.bindparam('task')).values(
        committee_id=sa.bindparam('committee')),
        [{"task": task, "committee": committee} for task, committee in committees.items()])

    # 5. audit events are filed under the task's committee, the unit itself, or the person's unit
    rows = bind.execute(sa.select(audit_events.c.seq, audit_events.c.task_id, audit_events.c.subject_person_id,
                                  audit_events.c.object_type, audit_events.c.object_id)
                        .order_by(audit_events.c.seq)).all()
    filed = []
    for seq, task_id, subject_id, object_type, object_id in rows:
        if task_id is not None:
            unit = committees.get(task_id)
        elif object_type == 'org_unit' and object_id in parents:
            unit = object_id
        elif subject_id is not None:
            unit = person_units.get(subject_id) or person_root.get(subject_id)
        else:
            unit = None  # years, fields, verdict levels: installation-wide
        if unit is not None:
            filed.append({"event": seq, "unit": unit})
    execute_many(bind, audit_events.update().where(audit_events.c.seq == sa.bindparam('event')).values(
        unit_id=sa.bindparam('unit')), filed)


def require_filled():
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.alter_column('path', existing_type=path_type(), nullable=False)
        batch_op.create_index('ix_org_units_path', ['path'], unique=False)

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.alter_column('committee_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_tasks_committee_year_state', ['committee_id', 'year_id', 'state'], unique=False)

    with op.batch_alter_table('person_roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_roles_role'))
    op.drop_table('person_roles')


# -- downgrade -----------------------------------------------------------------------------------------------

def downgrade():
    bind = op.get_bind()
    with schema_change(bind):
        drop_audit_triggers(bind)

        # every role held in some unit is held again, once
        op.create_table('person_roles',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('role', role_type(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_roles_person_id_people'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('person_id', 'role', name=op.f('pk_person_roles'))
        )
        with op.batch_alter_table('person_roles', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_person_roles_role'), ['role'], unique=False)
        held = bind.execute(sa.select(role_grants.c.person_id, role_grants.c.role).distinct()
                            .order_by(role_grants.c.person_id, role_grants.c.role)).all()
        execute_many(bind, person_roles.insert(), [{"person_id": person, "role": role} for person, role in held])

        with op.batch_alter_table('role_grants', schema=None) as batch_op:
            batch_op.drop_index('ix_role_grants_unit_role')
            batch_op.drop_index(batch_op.f('ix_role_grants_person_id'))
        op.drop_table('role_grants')

        with op.batch_alter_table('audit_events', schema=None) as batch_op:
            batch_op.drop_index('ix_audit_events_unit_seq')
            batch_op.drop_constraint(batch_op.f('fk_audit_events_unit_id_org_units'), type_='foreignkey')
            batch_op.drop_column('unit_id')

        with op.batch_alter_table('tasks', schema=None) as batch_op:
            batch_op.drop_index('ix_tasks_committee_year_state')
            batch_op.drop_constraint(batch_op.f('fk_tasks_committee_id_org_units'), type_='foreignkey')
            batch_op.drop_column('committee_id')

        with op.batch_alter_table('org_unit_names', schema=None) as batch_op:
            batch_op.drop_index(batch_op.f('ix_org_unit_names_unit_id'))
        op.drop_table('org_unit_names')

        with op.batch_alter_table('org_units', schema=None) as batch_op:
            batch_op.drop_index('ix_org_units_path')
            batch_op.drop_constraint(batch_op.f('fk_org_units_merged_into_id_org_units'), type_='foreignkey')
            batch_op.drop_column('merged_into_id')
            batch_op.drop_column('path')

        create_audit_triggers(bind)
