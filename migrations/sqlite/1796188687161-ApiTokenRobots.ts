import { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiTokenRobots1796188687161 implements MigrationInterface {
  name = 'ApiTokenRobots1796188687161';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "UQ_api_tokens_hash"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_api_tokens" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL, "prefix" varchar(16) NOT NULL, "token_hash" varchar(64) NOT NULL, "scopes" varchar(255) NOT NULL, "expires_at" datetime, "revoked_at" datetime, "last_used_at" datetime, "last_used_ip" varchar(64), "created_by_id" integer, "created_by" varchar(100), "robot_ids" text)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_api_tokens"("created_at", "updated_at", "id", "name", "prefix", "token_hash", "scopes", "expires_at", "revoked_at", "last_used_at", "last_used_ip", "created_by_id", "created_by") SELECT "created_at", "updated_at", "id", "name", "prefix", "token_hash", "scopes", "expires_at", "revoked_at", "last_used_at", "last_used_ip", "created_by_id", "created_by" FROM "api_tokens"`,
    );
    await queryRunner.query(`DROP TABLE "api_tokens"`);
    await queryRunner.query(`ALTER TABLE "temporary_api_tokens" RENAME TO "api_tokens"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_api_tokens_hash" ON "api_tokens" ("token_hash") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "UQ_api_tokens_hash"`);
    await queryRunner.query(`ALTER TABLE "api_tokens" RENAME TO "temporary_api_tokens"`);
    await queryRunner.query(
      `CREATE TABLE "api_tokens" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL, "prefix" varchar(16) NOT NULL, "token_hash" varchar(64) NOT NULL, "scopes" varchar(255) NOT NULL, "expires_at" datetime, "revoked_at" datetime, "last_used_at" datetime, "last_used_ip" varchar(64), "created_by_id" integer, "created_by" varchar(100))`,
    );
    await queryRunner.query(
      `INSERT INTO "api_tokens"("created_at", "updated_at", "id", "name", "prefix", "token_hash", "scopes", "expires_at", "revoked_at", "last_used_at", "last_used_ip", "created_by_id", "created_by") SELECT "created_at", "updated_at", "id", "name", "prefix", "token_hash", "scopes", "expires_at", "revoked_at", "last_used_at", "last_used_ip", "created_by_id", "created_by" FROM "temporary_api_tokens"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_api_tokens"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_api_tokens_hash" ON "api_tokens" ("token_hash") `);
  }
}
