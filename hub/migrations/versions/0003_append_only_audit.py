"""The audit log and its chain head refuse every change but an append, in the database itself.

The hash chain (hub.audit) makes any edit detectable; these rules make the ordinary ways of
editing fail outright, on both backends:

* ``audit_log``: UPDATE and DELETE are refused by triggers (and TRUNCATE on PostgreSQL, which
  has no row triggers for it: a statement trigger refuses it).
* ``audit_head`` (the one row naming the newest record): DELETE (and TRUNCATE) refused; an UPDATE
  is accepted only when the new head is the newest record in ``audit_log`` with that record's hash
  and does not go backwards. Cutting records off the end therefore needs the triggers dropped.

Roles on PostgreSQL (docs/scale.md): the *owner* role runs ``hub db upgrade`` and owns the tables;
the *app* role that API workers use is given, by ``hub db upgrade --app-role NAME``, SELECT and
INSERT on ``audit_log``, SELECT and UPDATE on ``audit_head`` and nothing else there. Only an owner
or superuser can disable or drop a trigger; what such a person does is caught by the checkpoints
``hub audit checkpoint`` writes outside the database (``hub audit verify --checkpoints FILE``).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

SQLITE = [
    # Re-created under the same names as the triggers create_all used to add, so old files converge.
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
    "BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END",
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head WHEN "
    "NEW.id IS NOT OLD.id OR NEW.seq < OLD.seq "
    "OR NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) FROM audit_log) "
    f"OR NEW.hash IS NOT COALESCE((SELECT hash FROM audit_log WHERE seq = NEW.seq), '{GENESIS}') "
    "BEGIN SELECT RAISE(ABORT, 'audit_head must name the newest audit record'); END",
]

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION hub_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$""",
    f"""CREATE OR REPLACE FUNCTION hub_audit_head_check() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.id IS DISTINCT FROM OLD.id OR NEW.seq < OLD.seq
           OR NEW.seq IS DISTINCT FROM (SELECT COALESCE(MAX(seq), 0) FROM audit_log)
           OR NEW.hash IS DISTINCT FROM COALESCE((SELECT hash FROM audit_log WHERE seq = NEW.seq), '{GENESIS}') THEN
            RAISE EXCEPTION 'audit_head must name the newest audit record' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION hub_audit_refuse()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION hub_audit_refuse()",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head FOR EACH ROW EXECUTE FUNCTION hub_audit_refuse()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION hub_audit_refuse()",
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head "
    "FOR EACH ROW EXECUTE FUNCTION hub_audit_head_check()",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(dialect)
    if statements is None:
        raise RuntimeError(f"no append-only rules written for {dialect}; the hub supports SQLite and PostgreSQL")
    for sql in statements:
        op.execute(sql)


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations only go forward; restore a backup to go back")
