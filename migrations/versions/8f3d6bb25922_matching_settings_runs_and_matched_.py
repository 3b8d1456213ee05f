"""matching settings, runs and matched proposals

Revision ID: 8f3d6bb25922
Revises: da45fe98d291
Create Date: 2026-11-25 02:19:54.652322

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8f3d6bb25922'
down_revision = "da45fe98d291"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('match_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('needs', sa.Integer(), nullable=False),
    sa.Column('offers', sa.Integer(), nullable=False),
    sa.Column('candidates', sa.Integer(), nullable=False),
    sa.Column('proposals', sa.Integer(), nullable=False),
    sa.Column('total_score', sa.Float(), nullable=False),
    sa.Column('mean_score', sa.Float(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('solver_seconds', sa.Float(), nullable=False),
    sa.Column('solver_status', sa.String(length=20), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('preview', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['person.id'], name=op.f('fk_match_run_actor_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_run'))
    )
    with op.batch_alter_table('match_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_run_started_at'), ['started_at'], unique=False)

    op.create_table('matching_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('proposals_per_need', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('proposals_per_need BETWEEN 1 AND 10', name=op.f('ck_matching_settings_k')),
    sa.ForeignKeyConstraint(['set_by_id'], ['person.id'], name=op.f('fk_matching_settings_set_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_settings'))
    )
    op.create_table('matched_proposal',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_matched_proposal_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['run_id'], ['match_run.id'], name=op.f('fk_matched_proposal_run_id_match_run')),
    sa.PrimaryKeyConstraint('proposal_id', name=op.f('pk_matched_proposal'))
    )
    with op.batch_alter_table('matched_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matched_proposal_run_id'), ['run_id'], unique=False)



def downgrade():
    with op.batch_alter_table('matched_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matched_proposal_run_id'))

    op.drop_table('matched_proposal')
    op.drop_table('matching_settings')
    with op.batch_alter_table('match_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_run_started_at'))

    op.drop_table('match_run')
