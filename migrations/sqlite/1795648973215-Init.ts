import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795648973215 implements MigrationInterface {
  name = 'Init1795648973215';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "users" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "username" varchar(50) NOT NULL, "email" varchar(100), "password_hash" varchar(255) NOT NULL, "is_active" boolean NOT NULL DEFAULT (1), "is_admin" boolean NOT NULL DEFAULT (0), "last_login_at" datetime, CONSTRAINT "UQ_fe0bb3f6520ee0469504521e710" UNIQUE ("username"), CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "auth_sessions" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" varchar(36) PRIMARY KEY NOT NULL, "user_id" integer NOT NULL, "refresh_hash" varchar(64) NOT NULL, "expires_at" datetime NOT NULL, "revoked_at" datetime, "ip" varchar(64), "user_agent" varchar(255))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_50ccaa6440288a06f0ba693ccc" ON "auth_sessions" ("user_id") `);
    await queryRunner.query(
      `CREATE TABLE "plugins" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL, "directory" varchar(255) NOT NULL, "version" varchar(50), "author" varchar(100), "description" text, "enabled" boolean NOT NULL DEFAULT (0), "config" text, CONSTRAINT "UQ_0479844f05c1132f8929cab1c8a" UNIQUE ("name"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "robots" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL, "app_id" varchar(100), "token" varchar(100), "base_url" varchar(255) NOT NULL, "download_url" varchar(255), "callback_url" varchar(255), "status" varchar(50) NOT NULL DEFAULT ('offline'), "config" text, CONSTRAINT "UQ_489fedc98278750c73d4f37e1ae" UNIQUE ("app_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "configs" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL, "value" text, "description" text, "category" varchar(50), CONSTRAINT "UQ_45a17605867387e1125e0b857f1" UNIQUE ("name"))`,
    );
    await queryRunner.query(`DROP INDEX "IDX_50ccaa6440288a06f0ba693ccc"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_auth_sessions" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" varchar(36) PRIMARY KEY NOT NULL, "user_id" integer NOT NULL, "refresh_hash" varchar(64) NOT NULL, "expires_at" datetime NOT NULL, "revoked_at" datetime, "ip" varchar(64), "user_agent" varchar(255), CONSTRAINT "FK_50ccaa6440288a06f0ba693ccc6" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_auth_sessions"("created_at", "updated_at", "id", "user_id", "refresh_hash", "expires_at", "revoked_at", "ip", "user_agent") SELECT "created_at", "updated_at", "id", "user_id", "refresh_hash", "expires_at", "revoked_at", "ip", "user_agent" FROM "auth_sessions"`,
    );
    await queryRunner.query(`DROP TABLE "auth_sessions"`);
    await queryRunner.query(`ALTER TABLE "temporary_auth_sessions" RENAME TO "auth_sessions"`);
    await queryRunner.query(`CREATE INDEX "IDX_50ccaa6440288a06f0ba693ccc" ON "auth_sessions" ("user_id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_50ccaa6440288a06f0ba693ccc"`);
    await queryRunner.query(`ALTER TABLE "auth_sessions" RENAME TO "temporary_auth_sessions"`);
    await queryRunner.query(
      `CREATE TABLE "auth_sessions" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" varchar(36) PRIMARY KEY NOT NULL, "user_id" integer NOT NULL, "refresh_hash" varchar(64) NOT NULL, "expires_at" datetime NOT NULL, "revoked_at" datetime, "ip" varchar(64), "user_agent" varchar(255))`,
    );
    await queryRunner.query(
      `INSERT INTO "auth_sessions"("created_at", "updated_at", "id", "user_id", "refresh_hash", "expires_at", "revoked_at", "ip", "user_agent") SELECT "created_at", "updated_at", "id", "user_id", "refresh_hash", "expires_at", "revoked_at", "ip", "user_agent" FROM "temporary_auth_sessions"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_auth_sessions"`);
    await queryRunner.query(`CREATE INDEX "IDX_50ccaa6440288a06f0ba693ccc" ON "auth_sessions" ("user_id") `);
    await queryRunner.query(`DROP TABLE "configs"`);
    await queryRunner.query(`DROP TABLE "robots"`);
    await queryRunner.query(`DROP TABLE "plugins"`);
    await queryRunner.query(`DROP INDEX "IDX_50ccaa6440288a06f0ba693ccc"`);
    await queryRunner.query(`DROP TABLE "auth_sessions"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
