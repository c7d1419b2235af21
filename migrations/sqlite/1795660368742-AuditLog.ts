import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditLog1795660368742 implements MigrationInterface {
  name = 'AuditLog1795660368742';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_log" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "actor_user_id" integer, "actor_username" varchar(100), "actor_token_id" integer, "action" varchar(64) NOT NULL, "target_type" varchar(32), "target_id" varchar(191), "result" varchar(8) NOT NULL, "status" integer, "ip" varchar(64), "request_id" varchar(64), "details" text, "created_at" datetime NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_target" ON "audit_log" ("target_type", "target_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_actor" ON "audit_log" ("actor_user_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_action" ON "audit_log" ("action") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_created" ON "audit_log" ("created_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_audit_log_created"`);
    await queryRunner.query(`DROP INDEX "IDX_audit_log_action"`);
    await queryRunner.query(`DROP INDEX "IDX_audit_log_actor"`);
    await queryRunner.query(`DROP INDEX "IDX_audit_log_target"`);
    await queryRunner.query(`DROP TABLE "audit_log"`);
  }
}
