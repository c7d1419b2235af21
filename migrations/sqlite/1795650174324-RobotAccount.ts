import { MigrationInterface, QueryRunner } from 'typeorm';

export class RobotAccount1795650174324 implements MigrationInterface {
  name = 'RobotAccount1795650174324';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "temporary_robots" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL, "app_id" varchar(100), "token" varchar(100), "base_url" varchar(255) NOT NULL, "download_url" varchar(255), "callback_url" varchar(255), "status" varchar(50) NOT NULL DEFAULT ('offline'), "config" text, "is_gewe" boolean NOT NULL DEFAULT (1), "wxid" varchar(100), "nickname" varchar(100), "avatar_url" varchar(500), CONSTRAINT "UQ_489fedc98278750c73d4f37e1ae" UNIQUE ("app_id"))`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_robots"("created_at", "updated_at", "id", "name", "app_id", "token", "base_url", "download_url", "callback_url", "status", "config") SELECT "created_at", "updated_at", "id", "name", "app_id", "token", "base_url", "download_url", "callback_url", "status", "config" FROM "robots"`,
    );
    await queryRunner.query(`DROP TABLE "robots"`);
    await queryRunner.query(`ALTER TABLE "temporary_robots" RENAME TO "robots"`);
    await queryRunner.query(`CREATE INDEX "IDX_0f45bd0772b7cf3bec21526540" ON "robots" ("wxid") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_0f45bd0772b7cf3bec21526540"`);
    await queryRunner.query(`ALTER TABLE "robots" RENAME TO "temporary_robots"`);
    await queryRunner.query(
      `CREATE TABLE "robots" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL, "app_id" varchar(100), "token" varchar(100), "base_url" varchar(255) NOT NULL, "download_url" varchar(255), "callback_url" varchar(255), "status" varchar(50) NOT NULL DEFAULT ('offline'), "config" text, CONSTRAINT "UQ_489fedc98278750c73d4f37e1ae" UNIQUE ("app_id"))`,
    );
    await queryRunner.query(
      `INSERT INTO "robots"("created_at", "updated_at", "id", "name", "app_id", "token", "base_url", "download_url", "callback_url", "status", "config") SELECT "created_at", "updated_at", "id", "name", "app_id", "token", "base_url", "download_url", "callback_url", "status", "config" FROM "temporary_robots"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_robots"`);
  }
}
