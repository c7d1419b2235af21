import { MigrationInterface, QueryRunner } from 'typeorm';

export class Conversations1796330000000 implements MigrationInterface {
  name = 'Conversations1796330000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "chat_read_marks" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "user_id" integer NOT NULL, "robot_id" integer NOT NULL, "chat_id" varchar(100) NOT NULL, "last_message_id" integer NOT NULL, "updated_at" datetime NOT NULL DEFAULT (datetime('now')))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_chat_read_marks_user_robot_chat" ON "chat_read_marks" ("user_id", "robot_id", "chat_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "outgoing_messages" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "robot_id" integer NOT NULL, "chat_id" varchar(100) NOT NULL, "type" varchar(16) NOT NULL, "content" text NOT NULL, "state" varchar(16) NOT NULL, "error_code" varchar(64), "new_msg_id" varchar(32), "user_id" integer, "created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_outgoing_messages_robot_chat" ON "outgoing_messages" ("robot_id", "chat_id", "id") `,
    );
    await queryRunner.query(`DROP INDEX "UQ_chat_read_marks_user_robot_chat"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_chat_read_marks" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "user_id" integer NOT NULL, "robot_id" integer NOT NULL, "chat_id" varchar(100) NOT NULL, "last_message_id" integer NOT NULL, "updated_at" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "FK_6118fd2e55be4e226d6e51e6f99" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_7579fec8d6227973fb18f315b2e" FOREIGN KEY ("robot_id") REFERENCES "robots" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_chat_read_marks"("id", "user_id", "robot_id", "chat_id", "last_message_id", "updated_at") SELECT "id", "user_id", "robot_id", "chat_id", "last_message_id", "updated_at" FROM "chat_read_marks"`,
    );
    await queryRunner.query(`DROP TABLE "chat_read_marks"`);
    await queryRunner.query(`ALTER TABLE "temporary_chat_read_marks" RENAME TO "chat_read_marks"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_chat_read_marks_user_robot_chat" ON "chat_read_marks" ("user_id", "robot_id", "chat_id") `,
    );
    await queryRunner.query(`DROP INDEX "IDX_outgoing_messages_robot_chat"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_outgoing_messages" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "robot_id" integer NOT NULL, "chat_id" varchar(100) NOT NULL, "type" varchar(16) NOT NULL, "content" text NOT NULL, "state" varchar(16) NOT NULL, "error_code" varchar(64), "new_msg_id" varchar(32), "user_id" integer, "created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "FK_bc734941316c3632f31999c3106" FOREIGN KEY ("robot_id") REFERENCES "robots" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_outgoing_messages"("id", "robot_id", "chat_id", "type", "content", "state", "error_code", "new_msg_id", "user_id", "created_at", "updated_at") SELECT "id", "robot_id", "chat_id", "type", "content", "state", "error_code", "new_msg_id", "user_id", "created_at", "updated_at" FROM "outgoing_messages"`,
    );
    await queryRunner.query(`DROP TABLE "outgoing_messages"`);
    await queryRunner.query(`ALTER TABLE "temporary_outgoing_messages" RENAME TO "outgoing_messages"`);
    await queryRunner.query(
      `CREATE INDEX "IDX_outgoing_messages_robot_chat" ON "outgoing_messages" ("robot_id", "chat_id", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_outgoing_messages_robot_chat"`);
    await queryRunner.query(`ALTER TABLE "outgoing_messages" RENAME TO "temporary_outgoing_messages"`);
    await queryRunner.query(
      `CREATE TABLE "outgoing_messages" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "robot_id" integer NOT NULL, "chat_id" varchar(100) NOT NULL, "type" varchar(16) NOT NULL, "content" text NOT NULL, "state" varchar(16) NOT NULL, "error_code" varchar(64), "new_msg_id" varchar(32), "user_id" integer, "created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')))`,
    );
    await queryRunner.query(
      `INSERT INTO "outgoing_messages"("id", "robot_id", "chat_id", "type", "content", "state", "error_code", "new_msg_id", "user_id", "created_at", "updated_at") SELECT "id", "robot_id", "chat_id", "type", "content", "state", "error_code", "new_msg_id", "user_id", "created_at", "updated_at" FROM "temporary_outgoing_messages"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_outgoing_messages"`);
    await queryRunner.query(
      `CREATE INDEX "IDX_outgoing_messages_robot_chat" ON "outgoing_messages" ("robot_id", "chat_id", "id") `,
    );
    await queryRunner.query(`DROP INDEX "UQ_chat_read_marks_user_robot_chat"`);
    await queryRunner.query(`ALTER TABLE "chat_read_marks" RENAME TO "temporary_chat_read_marks"`);
    await queryRunner.query(
      `CREATE TABLE "chat_read_marks" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "user_id" integer NOT NULL, "robot_id" integer NOT NULL, "chat_id" varchar(100) NOT NULL, "last_message_id" integer NOT NULL, "updated_at" datetime NOT NULL DEFAULT (datetime('now')))`,
    );
    await queryRunner.query(
      `INSERT INTO "chat_read_marks"("id", "user_id", "robot_id", "chat_id", "last_message_id", "updated_at") SELECT "id", "user_id", "robot_id", "chat_id", "last_message_id", "updated_at" FROM "temporary_chat_read_marks"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_chat_read_marks"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_chat_read_marks_user_robot_chat" ON "chat_read_marks" ("user_id", "robot_id", "chat_id") `,
    );
    await queryRunner.query(`DROP INDEX "IDX_outgoing_messages_robot_chat"`);
    await queryRunner.query(`DROP TABLE "outgoing_messages"`);
    await queryRunner.query(`DROP INDEX "UQ_chat_read_marks_user_robot_chat"`);
    await queryRunner.query(`DROP TABLE "chat_read_marks"`);
  }
}
