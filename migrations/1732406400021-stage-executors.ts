import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which agent CLI (executor) ran a stage and with what model: on the stage row and on each
 * run, for the board and the metrics; and the executor of each stage a project names.
 */
export class StageExecutors1732406400021 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orchestrator_stages ADD COLUMN executor VARCHAR(32)`);
    await queryRunner.query(`ALTER TABLE orchestrator_stages ADD COLUMN model TEXT`);
    await queryRunner.query(`ALTER TABLE stage_runs ADD COLUMN executor VARCHAR(32)`);
    await queryRunner.query(`ALTER TABLE projects ADD COLUMN stage_executors JSONB NOT NULL DEFAULT '{}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE projects DROP COLUMN stage_executors`);
    await queryRunner.query(`ALTER TABLE stage_runs DROP COLUMN executor`);
    await queryRunner.query(`ALTER TABLE orchestrator_stages DROP COLUMN model`);
    await queryRunner.query(`ALTER TABLE orchestrator_stages DROP COLUMN executor`);
  }
}
