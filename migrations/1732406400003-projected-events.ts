import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The envelope ids the read model has applied, so an event stored twice (re-published
 * without its Nats-Msg-Id, or after the duplicate window) is applied once: its cost counted
 * once, a stale copy never moving a task back.
 */
export class ProjectedEvents1732406400003 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE projected_events (
          event_id UUID NOT NULL,
          stream_sequence BIGINT NOT NULL,
          CONSTRAINT projected_events_pkey PRIMARY KEY (event_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE projected_events`);
  }
}
