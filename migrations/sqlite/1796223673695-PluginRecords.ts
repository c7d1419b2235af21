import { MigrationInterface, QueryRunner } from 'typeorm';

export class PluginRecords1796223673695 implements MigrationInterface {
  name = 'PluginRecords1796223673695';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "plugin_records" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "plugin" varchar(100) NOT NULL, "kind" varchar(64) NOT NULL, "robot_id" integer, "chat_id" varchar(100), "data" text NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "FK_6ab96d07dec06ce6d65d7affda1" FOREIGN KEY ("robot_id") REFERENCES "robots" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_plugin_records_plugin_kind_id" ON "plugin_records" ("plugin", "kind", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_plugin_records_plugin_kind_id"`);
    await queryRunner.query(`DROP TABLE "plugin_records"`);
  }
}
