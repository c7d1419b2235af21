import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks: the subscriptions, their deliveries (the durable record of each event to push, and the dead
 * letters) and the delivery log (one row per try). Written by hand from the generator's output: the tables are new,
 * so they are created with their foreign keys at once rather than through the generator's table copies.
 */
export class OutboundWebhooks1796320000000 implements MigrationInterface {
  name = 'OutboundWebhooks1796320000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "outbound_webhooks" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "url" varchar(2000) NOT NULL, "description" varchar(500) NOT NULL DEFAULT (''), "event_kinds" text NOT NULL, "robot_ids" text NOT NULL, "chat_ids" text NOT NULL, "active" boolean NOT NULL DEFAULT (1), "secret" varchar(100) NOT NULL, "created_by" varchar(100))`,
    );
    await queryRunner.query(
      `CREATE TABLE "outbound_deliveries" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "webhook_id" integer NOT NULL, "event_id" varchar(64) NOT NULL, "event_type" varchar(64) NOT NULL, "message_id" integer, "payload" text NOT NULL, "status" varchar(16) NOT NULL DEFAULT ('pending'), "attempts" integer NOT NULL DEFAULT (0), "next_attempt_at" datetime NOT NULL, "claimed_at" datetime, "last_status" integer, "last_error" varchar(64), "delivered_at" datetime, CONSTRAINT "FK_8728a0ee539b2bac28c2d5616ac" FOREIGN KEY ("webhook_id") REFERENCES "outbound_webhooks" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_outbound_deliveries_webhook_status" ON "outbound_deliveries" ("webhook_id", "status", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_outbound_deliveries_status_next" ON "outbound_deliveries" ("status", "next_attempt_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "outbound_delivery_attempts" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "webhook_id" integer NOT NULL, "delivery_id" integer NOT NULL, "event_type" varchar(64) NOT NULL, "attempt" integer NOT NULL, "status_code" integer, "latency_ms" integer NOT NULL, "response" varchar(500), "error_code" varchar(64), "created_at" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "FK_b0b47f703c6350c171067e21a43" FOREIGN KEY ("webhook_id") REFERENCES "outbound_webhooks" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_outbound_attempts_created" ON "outbound_delivery_attempts" ("created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_outbound_attempts_webhook_id" ON "outbound_delivery_attempts" ("webhook_id", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_outbound_attempts_webhook_id"`);
    await queryRunner.query(`DROP INDEX "IDX_outbound_attempts_created"`);
    await queryRunner.query(`DROP TABLE "outbound_delivery_attempts"`);
    await queryRunner.query(`DROP INDEX "IDX_outbound_deliveries_status_next"`);
    await queryRunner.query(`DROP INDEX "IDX_outbound_deliveries_webhook_status"`);
    await queryRunner.query(`DROP TABLE "outbound_deliveries"`);
    await queryRunner.query(`DROP TABLE "outbound_webhooks"`);
  }
}
