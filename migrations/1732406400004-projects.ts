import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projects (a repository by URL with its credential by reference — never the secret) and,
 * on a task, the project it belongs to and its pull request once QA passed.
 */
export class Projects1732406400004 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE projects (
          id UUID NOT NULL,
          name VARCHAR(200) NOT NULL,
          repository_url TEXT NOT NULL,
          default_branch VARCHAR(255) NOT NULL,
          setup_command TEXT,
          check_command TEXT,
          credential_ref TEXT,
          forge JSONB NOT NULL,
          created_at TIMESTAMPTZ NOT NULL,
          updated_at TIMESTAMPTZ NOT NULL,
          last_event_seq BIGINT NOT NULL DEFAULT 0,
          CONSTRAINT projects_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN project_id UUID`);
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN pull_request_url TEXT`);
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN pull_request_state VARCHAR(10)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN pull_request_state`);
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN pull_request_url`);
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN project_id`);
    await queryRunner.query(`DROP TABLE projects`);
  }
}
