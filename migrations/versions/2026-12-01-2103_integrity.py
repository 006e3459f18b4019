"""integrity: keyed audit links, chained checkpoints, append-only checkpoints and head.

The chain's links become HMACs under a key derived from the service secret, and each
checkpoint names the one before it. A chain written before this revision is first verified
under the old rule (plain SHA-256 links, old checkpoint signatures); if it holds it is re-linked
under the key and its checkpoints re-signed at the same seals, otherwise the upgrade stops, so
no tampering is laundered by the conversion. `audit_checkpoint` becomes append-only like the
events; `audit_head` can only move forward and is never deleted.

Downgrading removes the triggers and the column but leaves the links keyed.

Revision ID: 0005_integrity
Revises: 0004_confidentiality
Create Date: 2026-12-01 21:03:00
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from redangel.db import UTCDateTime, utcnow

revision: str = '0005_integrity'
down_revision: str | None = '0004_confidentiality'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
# An update that moves the head back, rewrites the last seal's hash, or lowers the horizon.
_BACKWARDS = ("NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash) "
              "OR NEW.horizon < OLD.horizon")


def upgrade() -> None:
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_seq', sa.BigInteger(), server_default='0',
                                      nullable=False))
    _rekey_existing_chain()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON audit_checkpoint FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_head_kept BEFORE DELETE OR TRUNCATE ON audit_head "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the audit chain head only moves forward'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head FOR EACH ROW "
            f"WHEN ({_BACKWARDS}) "
            "EXECUTE FUNCTION audit_head_forward_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_checkpoint_no_{verb.lower()} BEFORE {verb} "
                f"ON audit_checkpoint BEGIN SELECT RAISE(ABORT, "
                f"'audit_checkpoint is append-only'); END"
            )
        op.execute(
            "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
            "BEGIN SELECT RAISE(ABORT, 'audit_head is append-only: it is never deleted'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head "
            f"WHEN {_BACKWARDS} "
            "BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_checkpoint")
        op.execute("DROP TRIGGER IF EXISTS audit_head_kept ON audit_head")
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS audit_head_forward_only()")
    else:
        for name in ("audit_checkpoint_no_update", "audit_checkpoint_no_delete",
                     "audit_head_no_delete", "audit_head_forward_only"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_column('prev_seq')


def _rekey_existing_chain() -> None:
    """Verify a pre-existing chain under the old rule, then re-link and re-sign it keyed."""
    bind = op.get_bind()
    seals = bind.execute(sa.text(
        "SELECT s.seq, s.event_id, s.prev_hash, s.hash, e.digest FROM audit_seal s "
        "LEFT JOIN audit_event e ON e.id = s.event_id ORDER BY s.seq")).all()
    if not seals:
        return
    from redangel.audit import chain
    from redangel.config import get_settings

    secret = context.config.attributes.get("audit_secret_key") or get_settings().secret_key
    public = chain.checkpoint_key(secret).public_key()
    prev, old_hashes = GENESIS, {}
    for index, row in enumerate(seals, start=1):
        old = hashlib.sha256(f"{prev}|{row.seq}|{row.event_id}|{row.digest}".encode()).hexdigest()
        if row.seq != index or row.digest is None or row.prev_hash != prev or row.hash != old:
            raise RuntimeError(f"the audit chain is broken at seal {row.seq} under the old rule; "
                               "run `redangel audit verify` on the previous release first")
        old_hashes[row.seq] = prev = old
    old_checkpoints = bind.execute(
        sa.text("SELECT seq, hash, at, signature FROM audit_checkpoint ORDER BY seq")
        .columns(sa.column("seq", sa.BigInteger()), sa.column("hash", sa.String()),
                 sa.column("at", UTCDateTime()), sa.column("signature", sa.LargeBinary()))).all()
    for cp in old_checkpoints:
        try:
            public.verify(cp.signature, f"redangel-audit|{cp.seq}|{cp.hash}".encode())
        except Exception as exc:  # InvalidSignature: not signed by this service's secret
            raise RuntimeError(f"the audit checkpoint at seal {cp.seq} is not signed by this "
                               "service's REDANGEL_SECRET_KEY") from exc
        if old_hashes.get(cp.seq) != cp.hash:
            raise RuntimeError(f"the audit chain lost its tail: checkpoint {cp.seq} is gone")
    key, prev, new_hashes = chain.link_key(secret), GENESIS, {}
    postgres = bind.dialect.name == "postgresql"
    _guard(postgres, enable=False)
    for row in seals:
        new_hashes[row.seq] = link = chain.link(key, prev, row.seq, row.event_id, row.digest)
        bind.execute(sa.text("UPDATE audit_seal SET prev_hash = :prev, hash = :hash "
                             "WHERE seq = :seq"), {"prev": prev, "hash": link, "seq": row.seq})
        prev = link
    _guard(postgres, enable=True)
    bind.execute(sa.text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"),
                 {"seq": seals[-1].seq, "hash": prev})
    at = {cp.seq: cp.at for cp in old_checkpoints}
    bind.execute(sa.text("DELETE FROM audit_checkpoint"))
    last = 0
    for seq in sorted({*at, 1, seals[-1].seq}):
        when = at.get(seq) or utcnow()
        signed = chain.sign_checkpoint(secret, seq=seq, hash_=new_hashes[seq], prev_seq=last,
                                       at=when)
        bind.execute(sa.text(
            "INSERT INTO audit_checkpoint (seq, hash, at, signature, prev_seq) "
            "VALUES (:seq, :hash, :at, :signature, :prev_seq)")
            .bindparams(sa.bindparam("at", type_=UTCDateTime()),
                        sa.bindparam("signature", type_=sa.LargeBinary())),
            {"seq": seq, "hash": signed.hash, "at": when, "signature": signed.signature,
             "prev_seq": last})
        last = seq


def _guard(postgres: bool, *, enable: bool) -> None:
    """Lift the seals' append-only trigger for the conversion (owner only), then restore it."""
    if postgres:
        op.execute(f"ALTER TABLE audit_seal {'ENABLE' if enable else 'DISABLE'} "
                   "TRIGGER audit_seal_append_only")
        return
    if enable:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_seal_no_{verb.lower()} BEFORE {verb} ON audit_seal "
                       "BEGIN SELECT RAISE(ABORT, 'audit_seal is append-only'); END")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_seal_no_{verb}")
