import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A project's daily budget (issue 19): US dollars its runs may spend in a UTC day; null for no cap of its own. */
export class DailyBudgets1732406400025 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE projects ADD COLUMN daily_budget_usd NUMERIC(14,6) NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE projects DROP COLUMN daily_budget_usd`);
  }
}
