import { MigrationInterface, QueryRunner } from 'typeorm';

/** `friend_requests`: the friend-request inbox (one row per robot and asker), see src/relations/. */
export class FriendRequests1796310000000 implements MigrationInterface {
  name = 'FriendRequests1796310000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "friend_requests" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "robot_id" integer NOT NULL, "wxid" varchar(200) NOT NULL, "nickname" varchar(255), "avatar" varchar(1000), "content" text NOT NULL, "scene" integer, "v3" varchar(255), "v4" varchar(255), "status" varchar(16) NOT NULL DEFAULT ('pending'), "new_msg_id" varchar(32), "received_at" datetime NOT NULL, "handled_at" datetime, "handled_by" varchar(100), CONSTRAINT "FK_8e578f1c192d0f91898bfedc18e" FOREIGN KEY ("robot_id") REFERENCES "robots" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_friend_requests_robot_status" ON "friend_requests" ("robot_id", "status", "received_at") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_friend_requests_robot_wxid" ON "friend_requests" ("robot_id", "wxid") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "UQ_friend_requests_robot_wxid"`);
    await queryRunner.query(`DROP INDEX "IDX_friend_requests_robot_status"`);
    await queryRunner.query(`DROP TABLE "friend_requests"`);
  }
}
