import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stages parked on the model API's rate and usage limits: on the stage, which limit and
 * until when it waits (cleared when its next attempt is scheduled); on each run, the
 * outcome `parked` and when it was to resume, which the metrics count and time. And a
 * task's budget in US dollars (its own, or as a person raised it).
 */
export class ParkedStages1732406400023 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orchestrator_stages ADD COLUMN parked_limit VARCHAR(20) NULL`);
    await queryRunner.query(`ALTER TABLE orchestrator_stages ADD COLUMN parked_until TIMESTAMPTZ NULL`);
    await queryRunner.query(`ALTER TABLE stage_runs DROP CONSTRAINT stage_runs_outcome_check`);
    await queryRunner.query(`ALTER TABLE stage_runs ADD CONSTRAINT stage_runs_outcome_check CHECK (outcome IN ('completed', 'failed', 'timed_out', 'cancelled', 'parked'))`);
    await queryRunner.query(`ALTER TABLE stage_runs ADD COLUMN resume_at TIMESTAMPTZ NULL`);
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN budget_usd NUMERIC(14,6) NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN budget_usd`);
    await queryRunner.query(`ALTER TABLE stage_runs DROP COLUMN resume_at`);
    await queryRunner.query(`DELETE FROM stage_runs WHERE outcome = 'parked'`);
    await queryRunner.query(`ALTER TABLE stage_runs DROP CONSTRAINT stage_runs_outcome_check`);
    await queryRunner.query(`ALTER TABLE stage_runs ADD CONSTRAINT stage_runs_outcome_check CHECK (outcome IN ('completed', 'failed', 'timed_out', 'cancelled'))`);
    await queryRunner.query(`ALTER TABLE orchestrator_stages DROP COLUMN parked_until`);
    await queryRunner.query(`ALTER TABLE orchestrator_stages DROP COLUMN parked_limit`);
  }
}
