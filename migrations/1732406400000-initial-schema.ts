import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The task board's `tasks` table and the seed's `orchestrator_stages`, column for column as
 * the seed's `20250126_orchestrator_tables.sql` writes it (nullable `retry_count` and
 * timestamps included). The CHECK lists are literals, not `STAGE_TYPES`/`STAGE_STATUSES`: a
 * migration records the schema as it was, so a later change to the contracts needs a new
 * migration, which `migrations.int-spec.ts` asks for by checking every listed value.
 */
export class InitialSchema1732406400000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tasks (
          id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
          title VARCHAR(200) NOT NULL,
          description TEXT NOT NULL DEFAULT '',
          repo_path TEXT NULL,
          base_branch VARCHAR(255) NULL,
          status VARCHAR(20) NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'queued', 'running', 'done', 'failed', 'cancelled')),
          created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
          updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
      )`);
    await queryRunner.query(`
      CREATE TABLE orchestrator_stages (
          id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
          task_id UUID NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
          stage_type VARCHAR(20) NOT NULL CHECK (stage_type IN ('specification', 'implementation', 'qa')),
          status VARCHAR(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed')),
          stage_context JSONB DEFAULT '{}',
          command_output TEXT,
          container_id INTEGER,
          error_message TEXT,
          retry_count INTEGER DEFAULT 0,
          started_at TIMESTAMPTZ,
          completed_at TIMESTAMPTZ,
          created_at TIMESTAMPTZ DEFAULT NOW(),
          updated_at TIMESTAMPTZ DEFAULT NOW()
      )`);
    await queryRunner.query(`CREATE INDEX idx_orchestrator_task_stages ON orchestrator_stages(task_id, stage_type)`);
    await queryRunner.query(`CREATE INDEX idx_orchestrator_status ON orchestrator_stages(status)`);
    await queryRunner.query(`CREATE INDEX idx_orchestrator_running ON orchestrator_stages(status) WHERE status = 'running'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE orchestrator_stages`);
    await queryRunner.query(`DROP TABLE tasks`);
  }
}
