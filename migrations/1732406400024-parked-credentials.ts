import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Which credential a parked stage met its limit on (its name, never the key): `/metrics` counts the credentials paused. */
export class ParkedCredentials1732406400024 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orchestrator_stages ADD COLUMN parked_credential VARCHAR(100) NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orchestrator_stages DROP COLUMN parked_credential`);
  }
}
