import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The gateway's read model beyond tasks and stages: the pool's slots and the lease
 * requests waiting for one (from the pool events), one row per stage run (every attempt,
 * kept when its task is deleted, so the metrics' counters never go down), and the order
 * in which queued tasks entered the queue (their positions are derived from it).
 */
export class PoolAndMetrics1732406400002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE pool_slots (
          pool_id VARCHAR(100) NOT NULL,
          slot INTEGER NOT NULL,
          port INTEGER NOT NULL,
          container_id TEXT NOT NULL,
          driver VARCHAR(20) NOT NULL,
          state VARCHAR(20) NOT NULL DEFAULT 'free' CONSTRAINT pool_slots_state_check CHECK (state IN ('free', 'leased', 'resetting', 'down')),
          lease_id UUID NULL,
          task_id UUID NULL,
          stage_id UUID NULL,
          attempt INTEGER NULL,
          lease_expires_at TIMESTAMPTZ NULL,
          updated_at TIMESTAMPTZ NOT NULL,
          last_event_seq BIGINT NOT NULL DEFAULT 0,
          CONSTRAINT pool_slots_pkey PRIMARY KEY (pool_id, slot)
      )`);
    await queryRunner.query(`
      CREATE TABLE lease_requests (
          pool_id VARCHAR(100) NOT NULL,
          stage_id UUID NOT NULL,
          attempt INTEGER NOT NULL,
          task_id UUID NOT NULL,
          queued_seq BIGINT NOT NULL,
          queued_at TIMESTAMPTZ NOT NULL,
          CONSTRAINT lease_requests_pkey PRIMARY KEY (pool_id, stage_id, attempt)
      )`);
    await queryRunner.query(`
      CREATE TABLE stage_runs (
          stage_id UUID NOT NULL,
          attempt INTEGER NOT NULL,
          task_id UUID NOT NULL,
          stage_type VARCHAR(20) NOT NULL CONSTRAINT stage_runs_stage_type_check CHECK (stage_type IN ('specification', 'implementation', 'qa')),
          outcome VARCHAR(20) NULL CONSTRAINT stage_runs_outcome_check CHECK (outcome IN ('completed', 'failed', 'timed_out', 'cancelled')),
          scheduled_at TIMESTAMPTZ NOT NULL,
          started_at TIMESTAMPTZ NULL,
          ended_at TIMESTAMPTZ NULL,
          duration_ms INTEGER NULL,
          cost_usd NUMERIC(14,6) NULL,
          last_event_seq BIGINT NOT NULL DEFAULT 0,
          CONSTRAINT stage_runs_pkey PRIMARY KEY (stage_id, attempt)
      )`);
    await queryRunner.query(`CREATE INDEX idx_stage_runs_type_outcome ON stage_runs(stage_type, outcome)`);
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN queued_seq BIGINT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN queued_seq`);
    await queryRunner.query(`DROP TABLE stage_runs`);
    await queryRunner.query(`DROP TABLE lease_requests`);
    await queryRunner.query(`DROP TABLE pool_slots`);
  }
}
