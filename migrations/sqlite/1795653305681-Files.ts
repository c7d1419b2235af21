import { MigrationInterface, QueryRunner } from 'typeorm';

export class Files1795653305681 implements MigrationInterface {
  name = 'Files1795653305681';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "files" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "robot_id" integer NOT NULL, "message_id" integer NOT NULL, "new_msg_id" varchar(32), "kind" varchar(16) NOT NULL, "chat_id" varchar(100), "sender_wxid" varchar(100), "original_name" varchar(255), "stored_name" varchar(80), "content_type" varchar(100), "size" bigint, "md5" varchar(32), "sha256" varchar(64), "status" varchar(16) NOT NULL DEFAULT ('pending'), "error" varchar(1000), "attempts" integer NOT NULL DEFAULT (0), "next_attempt_at" datetime NOT NULL, "claimed_at" datetime, "source" text, "inline_name" varchar(80))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_files_inline_name" ON "files" ("inline_name") `);
    await queryRunner.query(`CREATE INDEX "IDX_files_stored_name" ON "files" ("stored_name") `);
    await queryRunner.query(`CREATE INDEX "IDX_files_robot_created" ON "files" ("robot_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "IDX_files_status_next" ON "files" ("status", "next_attempt_at") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_files_message_kind" ON "files" ("message_id", "kind") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "UQ_files_message_kind"`);
    await queryRunner.query(`DROP INDEX "IDX_files_status_next"`);
    await queryRunner.query(`DROP INDEX "IDX_files_robot_created"`);
    await queryRunner.query(`DROP INDEX "IDX_files_stored_name"`);
    await queryRunner.query(`DROP INDEX "IDX_files_inline_name"`);
    await queryRunner.query(`DROP TABLE "files"`);
  }
}
