import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * webhook_endpoints: one per robot (src/webhook/webhook-endpoint.entity.ts). Rows for the robots already there are
 * not made here: their key is an HMAC of the token with backend.secret_key, which SQL cannot compute; the boot step
 * (WebhookEndpointBackfill) adds them, with that key, so the callback URLs registered with Gewe keep working.
 *
 * The table is created with its foreign key at once, rather than TypeORM's create-then-copy for SQLite.
 */
export class WebhookEndpoints1796164221173 implements MigrationInterface {
  name = 'WebhookEndpoints1796164221173';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhook_endpoints" ("robot_id" integer PRIMARY KEY NOT NULL, "key_hash" varchar(64) NOT NULL, "key_sealed" varchar(255) NOT NULL, "previous_key_hash" varchar(64), "previous_key_until" datetime, "created_at" datetime NOT NULL DEFAULT (datetime('now')), "rotated_at" datetime, "last_callback_at" datetime, "accepted" integer NOT NULL DEFAULT (0), "duplicates" integer NOT NULL DEFAULT (0), "probes" integer NOT NULL DEFAULT (0), "rejected" integer NOT NULL DEFAULT (0), "rejected_by_reason" text, "last_rejected_at" datetime, "last_rejection" varchar(64), CONSTRAINT "FK_5c20e320b917ccb6a37c7db11cc" FOREIGN KEY ("robot_id") REFERENCES "robots" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_3af7affa9e1b2188b84a7979ce" ON "webhook_endpoints" ("key_hash") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_3af7affa9e1b2188b84a7979ce"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
  }
}
