import { MigrationInterface, QueryRunner } from 'typeorm';

export class Pipeline1795651640149 implements MigrationInterface {
  name = 'Pipeline1795651640149';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "messages" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "robot_id" integer NOT NULL, "new_msg_id" varchar(32), "msg_id" varchar(32), "kind" varchar(32) NOT NULL, "type_name" varchar(32) NOT NULL, "msg_type" integer, "chat_id" varchar(100), "is_group" boolean NOT NULL DEFAULT (0), "sender_wxid" varchar(100), "is_self" boolean NOT NULL DEFAULT (0), "mentions_self" boolean NOT NULL DEFAULT (0), "text" text, "create_time" bigint, "received_at" datetime NOT NULL, "raw" text NOT NULL, "details" text, "results" text, "request_id" varchar(64))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_2379e533ece9dc4487f915c3ca" ON "messages" ("kind") `);
    await queryRunner.query(`CREATE INDEX "IDX_messages_chat" ON "messages" ("chat_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_messages_robot_received" ON "messages" ("robot_id", "received_at") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_messages_robot_newmsgid" ON "messages" ("robot_id", "new_msg_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "plugin_kv" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "plugin_name" varchar(100) NOT NULL, "key" varchar(191) NOT NULL, "value" text NOT NULL)`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_plugin_kv" ON "plugin_kv" ("plugin_name", "key") `);
    await queryRunner.query(
      `CREATE TABLE "plugin_robot_settings" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "plugin_name" varchar(100) NOT NULL, "robot_id" integer NOT NULL, "enabled" boolean NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_plugin_robot" ON "plugin_robot_settings" ("plugin_name", "robot_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "callback_inbox" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "dedup_key" varchar(100) NOT NULL, "robot_id" integer NOT NULL, "payload" text NOT NULL, "request_id" varchar(64), "status" varchar(16) NOT NULL DEFAULT ('pending'), "attempts" integer NOT NULL DEFAULT (0), "last_error" text, "next_attempt_at" datetime NOT NULL, "received_at" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_5674363d6ae6f15bc500241deaf" UNIQUE ("dedup_key"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_inbox_status_next" ON "callback_inbox" ("status", "next_attempt_at") `);
    await queryRunner.query(
      `CREATE TABLE "temporary_plugins" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL, "directory" varchar(255) NOT NULL, "version" varchar(50), "author" varchar(100), "description" text, "enabled" boolean NOT NULL DEFAULT (0), "config" text, "disabled_reason" varchar(500), CONSTRAINT "UQ_0479844f05c1132f8929cab1c8a" UNIQUE ("name"))`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_plugins"("created_at", "updated_at", "id", "name", "directory", "version", "author", "description", "enabled", "config") SELECT "created_at", "updated_at", "id", "name", "directory", "version", "author", "description", "enabled", "config" FROM "plugins"`,
    );
    await queryRunner.query(`DROP TABLE "plugins"`);
    await queryRunner.query(`ALTER TABLE "temporary_plugins" RENAME TO "plugins"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "plugins" RENAME TO "temporary_plugins"`);
    await queryRunner.query(
      `CREATE TABLE "plugins" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL, "directory" varchar(255) NOT NULL, "version" varchar(50), "author" varchar(100), "description" text, "enabled" boolean NOT NULL DEFAULT (0), "config" text, CONSTRAINT "UQ_0479844f05c1132f8929cab1c8a" UNIQUE ("name"))`,
    );
    await queryRunner.query(
      `INSERT INTO "plugins"("created_at", "updated_at", "id", "name", "directory", "version", "author", "description", "enabled", "config") SELECT "created_at", "updated_at", "id", "name", "directory", "version", "author", "description", "enabled", "config" FROM "temporary_plugins"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_plugins"`);
    await queryRunner.query(`DROP INDEX "IDX_inbox_status_next"`);
    await queryRunner.query(`DROP TABLE "callback_inbox"`);
    await queryRunner.query(`DROP INDEX "UQ_plugin_robot"`);
    await queryRunner.query(`DROP TABLE "plugin_robot_settings"`);
    await queryRunner.query(`DROP INDEX "UQ_plugin_kv"`);
    await queryRunner.query(`DROP TABLE "plugin_kv"`);
    await queryRunner.query(`DROP INDEX "UQ_messages_robot_newmsgid"`);
    await queryRunner.query(`DROP INDEX "IDX_messages_robot_received"`);
    await queryRunner.query(`DROP INDEX "IDX_messages_chat"`);
    await queryRunner.query(`DROP INDEX "IDX_2379e533ece9dc4487f915c3ca"`);
    await queryRunner.query(`DROP TABLE "messages"`);
  }
}
