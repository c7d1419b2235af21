import { MigrationInterface, QueryRunner } from 'typeorm';

export class Alerts1795660979070 implements MigrationInterface {
  name = 'Alerts1795660979070';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "alerts" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "rule" varchar(50) NOT NULL, "subject" varchar(150) NOT NULL, "open_key" varchar(200), "robot_id" integer, "state" varchar(20) NOT NULL, "severity" varchar(20) NOT NULL, "summary" varchar(500) NOT NULL, "details" text, "since" datetime NOT NULL, "last_seen_at" datetime NOT NULL, "fired_at" datetime, "resolved_at" datetime, "notified_fired_at" datetime, "notified_resolved_at" datetime, "deliveries" text, CONSTRAINT "UQ_cc0dc70d70bcb3c8a486ce3105a" UNIQUE ("open_key"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_21c75b1f9557eb66bf76a5deed" ON "alerts" ("robot_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_alerts_state_id" ON "alerts" ("state", "id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_alerts_state_id"`);
    await queryRunner.query(`DROP INDEX "IDX_21c75b1f9557eb66bf76a5deed"`);
    await queryRunner.query(`DROP TABLE "alerts"`);
  }
}
