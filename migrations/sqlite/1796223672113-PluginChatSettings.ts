import { MigrationInterface, QueryRunner } from 'typeorm';

export class PluginChatSettings1796223672113 implements MigrationInterface {
  name = 'PluginChatSettings1796223672113';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "plugin_chat_settings" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "robot_id" integer NOT NULL, "chat_id" varchar(100) NOT NULL, "plugin" varchar(100) NOT NULL, "enabled" boolean, "config" text, CONSTRAINT "FK_6a2f8892f58e22439667cb5f458" FOREIGN KEY ("robot_id") REFERENCES "robots" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_plugin_chat" ON "plugin_chat_settings" ("robot_id", "chat_id", "plugin") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "UQ_plugin_chat"`);
    await queryRunner.query(`DROP TABLE "plugin_chat_settings"`);
  }
}
