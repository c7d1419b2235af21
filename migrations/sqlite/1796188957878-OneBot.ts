import { MigrationInterface, QueryRunner } from 'typeorm';

export class OneBot1796188957878 implements MigrationInterface {
  name = 'OneBot1796188957878';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "onebot_ids" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "kind" varchar(8) NOT NULL, "raw" varchar(100) NOT NULL)`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_onebot_ids_kind_raw" ON "onebot_ids" ("kind", "raw") `);
    await queryRunner.query(
      `CREATE TABLE "onebot_messages" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "robot_id" integer NOT NULL, "new_msg_id" varchar(32) NOT NULL, "msg_id" varchar(32), "create_time" bigint, "chat_id" varchar(100), "message_log_id" integer)`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_onebot_messages_robot_newmsgid" ON "onebot_messages" ("robot_id", "new_msg_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "onebot_settings" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "robot_id" integer PRIMARY KEY NOT NULL, "enabled" boolean NOT NULL DEFAULT (0), "id_mode" varchar(16) NOT NULL DEFAULT ('alias'), "forward_ws" boolean NOT NULL DEFAULT (1), "reverse_ws" text NOT NULL, "http_post" text NOT NULL, "post_self" boolean NOT NULL DEFAULT (0), "heartbeat_interval_ms" integer NOT NULL DEFAULT (15000))`,
    );
    await queryRunner.query(
      `CREATE TABLE "temporary_onebot_settings" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "robot_id" integer PRIMARY KEY NOT NULL, "enabled" boolean NOT NULL DEFAULT (0), "id_mode" varchar(16) NOT NULL DEFAULT ('alias'), "forward_ws" boolean NOT NULL DEFAULT (1), "reverse_ws" text NOT NULL, "http_post" text NOT NULL, "post_self" boolean NOT NULL DEFAULT (0), "heartbeat_interval_ms" integer NOT NULL DEFAULT (15000), CONSTRAINT "FK_051980742b9a0984035aeb1d47e" FOREIGN KEY ("robot_id") REFERENCES "robots" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_onebot_settings"("created_at", "updated_at", "robot_id", "enabled", "id_mode", "forward_ws", "reverse_ws", "http_post", "post_self", "heartbeat_interval_ms") SELECT "created_at", "updated_at", "robot_id", "enabled", "id_mode", "forward_ws", "reverse_ws", "http_post", "post_self", "heartbeat_interval_ms" FROM "onebot_settings"`,
    );
    await queryRunner.query(`DROP TABLE "onebot_settings"`);
    await queryRunner.query(`ALTER TABLE "temporary_onebot_settings" RENAME TO "onebot_settings"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "onebot_settings" RENAME TO "temporary_onebot_settings"`);
    await queryRunner.query(
      `CREATE TABLE "onebot_settings" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "robot_id" integer PRIMARY KEY NOT NULL, "enabled" boolean NOT NULL DEFAULT (0), "id_mode" varchar(16) NOT NULL DEFAULT ('alias'), "forward_ws" boolean NOT NULL DEFAULT (1), "reverse_ws" text NOT NULL, "http_post" text NOT NULL, "post_self" boolean NOT NULL DEFAULT (0), "heartbeat_interval_ms" integer NOT NULL DEFAULT (15000))`,
    );
    await queryRunner.query(
      `INSERT INTO "onebot_settings"("created_at", "updated_at", "robot_id", "enabled", "id_mode", "forward_ws", "reverse_ws", "http_post", "post_self", "heartbeat_interval_ms") SELECT "created_at", "updated_at", "robot_id", "enabled", "id_mode", "forward_ws", "reverse_ws", "http_post", "post_self", "heartbeat_interval_ms" FROM "temporary_onebot_settings"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_onebot_settings"`);
    await queryRunner.query(`DROP TABLE "onebot_settings"`);
    await queryRunner.query(`DROP INDEX "UQ_onebot_messages_robot_newmsgid"`);
    await queryRunner.query(`DROP TABLE "onebot_messages"`);
    await queryRunner.query(`DROP INDEX "UQ_onebot_ids_kind_raw"`);
    await queryRunner.query(`DROP TABLE "onebot_ids"`);
  }
}
