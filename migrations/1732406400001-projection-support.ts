import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the read model keeps beyond the seed: the projected orchestration state on `tasks`
 * and `orchestrator_stages`, each row's last applied stream sequence (so a redelivered
 * event is skipped), the projector's checkpoints, and the messages given up on.
 */
export class ProjectionSupport1732406400001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE tasks
          ADD COLUMN orchestration_id UUID NULL,
          ADD COLUMN current_stage VARCHAR(20) NULL CHECK (current_stage IN ('specification', 'implementation', 'qa')),
          ADD COLUMN queue_position INTEGER NULL,
          ADD COLUMN failure_reason TEXT NULL,
          ADD COLUMN rework_count INTEGER NOT NULL DEFAULT 0,
          ADD COLUMN retry_count INTEGER NOT NULL DEFAULT 0,
          ADD COLUMN total_cost_usd NUMERIC(14,6) NOT NULL DEFAULT 0,
          ADD COLUMN last_event_seq BIGINT NOT NULL DEFAULT 0`);
    await queryRunner.query(`CREATE INDEX idx_tasks_status_created_at ON tasks(status, created_at)`);
    await queryRunner.query(`
      ALTER TABLE orchestrator_stages
          ADD COLUMN orchestration_id UUID NULL,
          ADD COLUMN stage_round INTEGER NOT NULL DEFAULT 0,
          ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1,
          ADD COLUMN container_ref TEXT NULL,
          ADD COLUMN port INTEGER NULL,
          ADD COLUMN lease_id UUID NULL,
          ADD COLUMN cost_usd NUMERIC(14,6) NULL,
          ADD COLUMN input_tokens INTEGER NULL,
          ADD COLUMN output_tokens INTEGER NULL,
          ADD COLUMN cache_read_tokens INTEGER NULL,
          ADD COLUMN cache_creation_tokens INTEGER NULL,
          ADD COLUMN num_turns INTEGER NULL,
          ADD COLUMN session_id TEXT NULL,
          ADD COLUMN duration_ms INTEGER NULL,
          ADD COLUMN diff_stat JSONB NULL,
          ADD COLUMN verdict JSONB NULL,
          ADD COLUMN retryable BOOLEAN NULL,
          ADD COLUMN deadline_at TIMESTAMPTZ NULL,
          ADD COLUMN last_event_seq BIGINT NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      CREATE TABLE projection_checkpoints (
          name VARCHAR(100) PRIMARY KEY,
          last_sequence BIGINT NOT NULL DEFAULT 0,
          updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
      )`);
    await queryRunner.query(`
      CREATE TABLE dead_letters (
          id BIGSERIAL PRIMARY KEY,
          stream_sequence BIGINT NOT NULL UNIQUE,
          consumer VARCHAR(200) NOT NULL,
          subject TEXT NOT NULL,
          reason TEXT NOT NULL,
          payload TEXT NOT NULL,
          dead_at TIMESTAMPTZ NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE dead_letters`);
    await queryRunner.query(`DROP TABLE projection_checkpoints`);
    await queryRunner.query(`
      ALTER TABLE orchestrator_stages
          DROP COLUMN orchestration_id,
          DROP COLUMN stage_round,
          DROP COLUMN attempt,
          DROP COLUMN container_ref,
          DROP COLUMN port,
          DROP COLUMN lease_id,
          DROP COLUMN cost_usd,
          DROP COLUMN input_tokens,
          DROP COLUMN output_tokens,
          DROP COLUMN cache_read_tokens,
          DROP COLUMN cache_creation_tokens,
          DROP COLUMN num_turns,
          DROP COLUMN session_id,
          DROP COLUMN duration_ms,
          DROP COLUMN diff_stat,
          DROP COLUMN verdict,
          DROP COLUMN retryable,
          DROP COLUMN deadline_at,
          DROP COLUMN last_event_seq`);
    await queryRunner.query(`DROP INDEX idx_tasks_status_created_at`);
    await queryRunner.query(`
      ALTER TABLE tasks
          DROP COLUMN orchestration_id,
          DROP COLUMN current_stage,
          DROP COLUMN queue_position,
          DROP COLUMN failure_reason,
          DROP COLUMN rework_count,
          DROP COLUMN retry_count,
          DROP COLUMN total_cost_usd,
          DROP COLUMN last_event_seq`);
  }
}
