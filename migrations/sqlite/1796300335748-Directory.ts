import { MigrationInterface, QueryRunner } from 'typeorm';

export class Directory1796300335748 implements MigrationInterface {
  name = 'Directory1796300335748';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "contacts" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "robot_id" integer NOT NULL, "wxid" varchar(100) NOT NULL, "kind" varchar(16) NOT NULL, "nickname" varchar(200), "remark" varchar(200), "alias" varchar(100), "avatar" varchar(500), "owner_wxid" varchar(100), "member_count" integer, "deleted" boolean NOT NULL DEFAULT (0), "synced_at" datetime, CONSTRAINT "FK_9c0deb0e047b22183789b54fbac" FOREIGN KEY ("robot_id") REFERENCES "robots" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_contact_kind" ON "contacts" ("robot_id", "kind") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_contact" ON "contacts" ("robot_id", "wxid") `);
    await queryRunner.query(
      `CREATE TABLE "group_members" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "robot_id" integer NOT NULL, "chat_id" varchar(100) NOT NULL, "wxid" varchar(100) NOT NULL, "nickname" varchar(200), "display_name" varchar(200), "avatar" varchar(500), "inviter_wxid" varchar(100), CONSTRAINT "FK_d21286c251ceb91ae10d88dde46" FOREIGN KEY ("robot_id") REFERENCES "robots" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_group_member" ON "group_members" ("robot_id", "chat_id", "wxid") `,
    );
    await queryRunner.query(
      `CREATE TABLE "directory_syncs" ("created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')), "robot_id" integer PRIMARY KEY NOT NULL, "state" varchar(16) NOT NULL, "phase" varchar(16) NOT NULL, "total" integer NOT NULL DEFAULT (0), "done" integer NOT NULL DEFAULT (0), "error_code" varchar(64), "error" varchar(500), "started_at" datetime NOT NULL, "finished_at" datetime, CONSTRAINT "FK_5ba46c048d1cac3f682d208ece3" FOREIGN KEY ("robot_id") REFERENCES "robots" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "directory_syncs"`);
    await queryRunner.query(`DROP INDEX "UQ_group_member"`);
    await queryRunner.query(`DROP TABLE "group_members"`);
    await queryRunner.query(`DROP INDEX "IDX_contact_kind"`);
    await queryRunner.query(`DROP INDEX "UQ_contact"`);
    await queryRunner.query(`DROP TABLE "contacts"`);
  }
}
