import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditLog1795660368742 implements MigrationInterface {
  name = 'AuditLog1795660368742';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`audit_log\` (\`id\` int NOT NULL AUTO_INCREMENT, \`actor_user_id\` int NULL, \`actor_username\` varchar(100) NULL, \`actor_token_id\` int NULL, \`action\` varchar(64) NOT NULL, \`target_type\` varchar(32) NULL, \`target_id\` varchar(191) NULL, \`result\` varchar(8) NOT NULL, \`status\` int NULL, \`ip\` varchar(64) NULL, \`request_id\` varchar(64) NULL, \`details\` text NULL, \`created_at\` datetime NOT NULL, INDEX \`IDX_audit_log_target\` (\`target_type\`, \`target_id\`), INDEX \`IDX_audit_log_actor\` (\`actor_user_id\`), INDEX \`IDX_audit_log_action\` (\`action\`), INDEX \`IDX_audit_log_created\` (\`created_at\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_audit_log_created\` ON \`audit_log\``);
    await queryRunner.query(`DROP INDEX \`IDX_audit_log_action\` ON \`audit_log\``);
    await queryRunner.query(`DROP INDEX \`IDX_audit_log_actor\` ON \`audit_log\``);
    await queryRunner.query(`DROP INDEX \`IDX_audit_log_target\` ON \`audit_log\``);
    await queryRunner.query(`DROP TABLE \`audit_log\``);
  }
}
