import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 18's review side: each stage run's diff (as StageCompleted recorded it), and the
 * webhook deliveries — one row per event and target, kept outside the read model (a
 * projection rebuild does not send them again).
 */
export class StageDiffsAndWebhooks1732406400018 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orchestrator_stages ADD COLUMN stage_diff JSONB`);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
          id UUID NOT NULL,
          task_id UUID NOT NULL,
          event VARCHAR(40) NOT NULL,
          event_seq BIGINT NOT NULL,
          target_key VARCHAR(64) NOT NULL,
          target VARCHAR(300) NOT NULL,
          payload JSONB NOT NULL,
          status VARCHAR(20) NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          last_status_code INTEGER,
          last_error TEXT,
          next_attempt_at TIMESTAMPTZ NOT NULL,
          claimed_until TIMESTAMPTZ,
          created_at TIMESTAMPTZ NOT NULL,
          delivered_at TIMESTAMPTZ,
          CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id),
          CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'delivered', 'failed'))
      )`);
    await queryRunner.query(`CREATE INDEX idx_webhook_deliveries_task ON webhook_deliveries (task_id, event_seq)`);
    await queryRunner.query(`CREATE INDEX idx_webhook_deliveries_pending ON webhook_deliveries (target_key, event_seq) WHERE status = 'pending'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`ALTER TABLE orchestrator_stages DROP COLUMN stage_diff`);
  }
}
