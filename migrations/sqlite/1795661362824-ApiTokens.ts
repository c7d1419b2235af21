import { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiTokens1795661362824 implements MigrationInterface {
  name = 'ApiTokens1795661362824';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_tokens" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL, "prefix" varchar(16) NOT NULL, "token_hash" varchar(64) NOT NULL, "scopes" varchar(255) NOT NULL, "expires_at" datetime, "revoked_at" datetime, "last_used_at" datetime, "last_used_ip" varchar(64), "created_by_id" integer, "created_by" varchar(100))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_api_tokens_hash" ON "api_tokens" ("token_hash") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "UQ_api_tokens_hash"`);
    await queryRunner.query(`DROP TABLE "api_tokens"`);
  }
}
