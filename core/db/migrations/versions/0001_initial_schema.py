"""Initial schema: every table as of the first release, and the audit trail's append-only triggers.

Revision ID: 0001
Revises: 
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auditentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('via', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('store_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('before_json', sa.Text(), nullable=False),
    sa.Column('after_json', sa.Text(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditentry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_store_id'), ['store_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_store_name'), ['store_name'], unique=False)

    op.create_table('cachedtoken',
    sa.Column('cache_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=False),
    sa.Column('token_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('cache_key')
    )
    op.create_table('catalog_product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_sku', sa.String(length=100), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('barcode', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('system_sku')
    )
    with op.batch_alter_table('catalog_product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_product_barcode'), ['barcode'], unique=False)

    op.create_table('connectrequest',
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('new_store_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('started_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('state')
    )
    with op.batch_alter_table('connectrequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connectrequest_store_id'), ['store_id'], unique=False)

    op.create_table('encryptioncheck',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('oauthapp',
    sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('secret_ciphertext', sa.Text(), nullable=False),
    sa.Column('secret_last4', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('saved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('client_id')
    )
    op.create_table('store',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('environment', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('check_claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('store', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_store_check_claimed_at'), ['check_claimed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_store_name'), ['name'], unique=True)

    op.create_table('authorizationcheck',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('environment', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('walmart_code', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('correlation_ids', sa.Text(), nullable=False),
    sa.Column('token_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('retry_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('scopes_json', sa.Text(), nullable=False),
    sa.Column('missing_json', sa.Text(), nullable=False),
    sa.Column('findings_json', sa.Text(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('authorizationcheck', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authorizationcheck_checked_at'), ['checked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorizationcheck_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorizationcheck_store_id'), ['store_id'], unique=False)

    op.create_table('credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('seller_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('secret_ciphertext', sa.Text(), nullable=False),
    sa.Column('secret_last4', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('secret_set_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('secret_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('verified_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_credential_store_id'), ['store_id'], unique=False)

    op.create_table('mapping_component',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('platform_sku', sa.String(length=100), nullable=False),
    sa.Column('system_sku', sa.String(length=100), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('position >= 0', name='ck_mapping_component_position'),
    sa.CheckConstraint('quantity >= 1', name='ck_mapping_component_quantity'),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['system_sku'], ['catalog_product.system_sku'], ),
    sa.PrimaryKeyConstraint('store_id', 'platform_sku', 'system_sku'),
    sqlite_with_rowid=False
    )
    op.create_table('statusevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('from_status', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('to_status', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('delivery', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('delivery_attempts', sa.Integer(), nullable=False),
    sa.Column('delivered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('delivery_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statusevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statusevent_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_statusevent_delivery'), ['delivery'], unique=False)
        batch_op.create_index(batch_op.f('ix_statusevent_store_id'), ['store_id'], unique=False)

    op.create_table('store_mapping_version',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('store_id')
    )
    op.create_table('storehealth',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_success_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('failing_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('walmart_code', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('correlation_ids', sa.Text(), nullable=False),
    sa.Column('token_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('retry_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('scopes_json', sa.Text(), nullable=False),
    sa.Column('missing_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('store_id')
    )
    with op.batch_alter_table('storehealth', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storehealth_checked_at'), ['checked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_storehealth_status'), ['status'], unique=False)
    # The audit trail is append-only: the database refuses UPDATE and DELETE, whoever asks.
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER auditentry_no_{verb.lower()} BEFORE {verb} ON auditentry "
                       "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE OR REPLACE FUNCTION auditentry_append_only() RETURNS trigger AS $$ "
                   "BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON auditentry "
                   "FOR EACH ROW EXECUTE FUNCTION auditentry_append_only()")


def downgrade() -> None:
    with op.batch_alter_table('storehealth', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storehealth_status'))
        batch_op.drop_index(batch_op.f('ix_storehealth_checked_at'))

    op.drop_table('storehealth')
    op.drop_table('store_mapping_version')
    with op.batch_alter_table('statusevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statusevent_store_id'))
        batch_op.drop_index(batch_op.f('ix_statusevent_delivery'))
        batch_op.drop_index(batch_op.f('ix_statusevent_at'))

    op.drop_table('statusevent')
    op.drop_table('mapping_component')
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credential_store_id'))
        batch_op.drop_index(batch_op.f('ix_credential_state'))

    op.drop_table('credential')
    with op.batch_alter_table('authorizationcheck', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorizationcheck_store_id'))
        batch_op.drop_index(batch_op.f('ix_authorizationcheck_status'))
        batch_op.drop_index(batch_op.f('ix_authorizationcheck_checked_at'))

    op.drop_table('authorizationcheck')
    with op.batch_alter_table('store', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_store_name'))
        batch_op.drop_index(batch_op.f('ix_store_check_claimed_at'))

    op.drop_table('store')
    op.drop_table('oauthapp')
    op.drop_table('encryptioncheck')
    with op.batch_alter_table('connectrequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connectrequest_store_id'))

    op.drop_table('connectrequest')
    with op.batch_alter_table('catalog_product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_product_barcode'))

    op.drop_table('catalog_product')
    op.drop_table('cachedtoken')
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditentry_store_name'))
        batch_op.drop_index(batch_op.f('ix_auditentry_store_id'))
        batch_op.drop_index(batch_op.f('ix_auditentry_at'))
        batch_op.drop_index(batch_op.f('ix_auditentry_actor'))
        batch_op.drop_index(batch_op.f('ix_auditentry_action'))

    op.drop_table('auditentry')
