import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The queue's settings (issue 19): a task's priority and the tasks it is blocked by, a
 * project's own concurrency limit and the priority its tasks get when they name none.
 */
export class QueueSettings1732406400022 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN priority SMALLINT NOT NULL DEFAULT 5 CONSTRAINT tasks_priority_range CHECK (priority BETWEEN 0 AND 9)`);
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN blocked_by UUID[] NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE projects ADD COLUMN max_concurrent INTEGER CONSTRAINT projects_max_concurrent_positive CHECK (max_concurrent >= 1)`);
    await queryRunner.query(`ALTER TABLE projects ADD COLUMN default_priority SMALLINT CONSTRAINT projects_default_priority_range CHECK (default_priority BETWEEN 0 AND 9)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE projects DROP COLUMN default_priority`);
    await queryRunner.query(`ALTER TABLE projects DROP COLUMN max_concurrent`);
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN blocked_by`);
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN priority`);
  }
}
