import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Approval gates (issue 18): a project's and a task's approval policy, the `waiting` status
 * with what the task waits for, and the decisions people made on it.
 */
export class Approval1732406400019 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks DROP CONSTRAINT tasks_status_check`);
    await queryRunner.query(`ALTER TABLE tasks ADD CONSTRAINT tasks_status_check CHECK (status IN ('created', 'queued', 'running', 'waiting', 'done', 'failed', 'cancelled'))`);
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN approval_policy VARCHAR(20) NOT NULL DEFAULT 'auto'`);
    await queryRunner.query(`ALTER TABLE tasks ADD CONSTRAINT tasks_approval_policy_check CHECK (approval_policy IN ('auto', 'approve-spec', 'approve-result'))`);
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN waiting_for JSONB`);
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN decisions JSONB NOT NULL DEFAULT '[]'`);
    await queryRunner.query(`ALTER TABLE projects ADD COLUMN approval_policy VARCHAR(20) NOT NULL DEFAULT 'auto'`);
    await queryRunner.query(`ALTER TABLE projects ADD CONSTRAINT projects_approval_policy_check CHECK (approval_policy IN ('auto', 'approve-spec', 'approve-result'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE projects DROP CONSTRAINT projects_approval_policy_check`);
    await queryRunner.query(`ALTER TABLE projects DROP COLUMN approval_policy`);
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN decisions`);
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN waiting_for`);
    await queryRunner.query(`ALTER TABLE tasks DROP CONSTRAINT tasks_approval_policy_check`);
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN approval_policy`);
    await queryRunner.query(`UPDATE tasks SET status = 'queued' WHERE status = 'waiting'`);
    await queryRunner.query(`ALTER TABLE tasks DROP CONSTRAINT tasks_status_check`);
    await queryRunner.query(`ALTER TABLE tasks ADD CONSTRAINT tasks_status_check CHECK (status IN ('created', 'queued', 'running', 'done', 'failed', 'cancelled'))`);
  }
}
