import { MigrationInterface, QueryRunner } from 'typeorm';

export class Files1795653305681 implements MigrationInterface {
  name = 'Files1795653305681';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`files\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`robot_id\` int NOT NULL, \`message_id\` int NOT NULL, \`new_msg_id\` varchar(32) NULL, \`kind\` varchar(16) NOT NULL, \`chat_id\` varchar(100) NULL, \`sender_wxid\` varchar(100) NULL, \`original_name\` varchar(255) NULL, \`stored_name\` varchar(80) NULL, \`content_type\` varchar(100) NULL, \`size\` bigint NULL, \`md5\` varchar(32) NULL, \`sha256\` varchar(64) NULL, \`status\` varchar(16) NOT NULL DEFAULT 'pending', \`error\` varchar(1000) NULL, \`attempts\` int NOT NULL DEFAULT '0', \`next_attempt_at\` datetime NOT NULL, \`claimed_at\` datetime NULL, \`source\` text NULL, \`inline_name\` varchar(80) NULL, INDEX \`IDX_files_inline_name\` (\`inline_name\`), INDEX \`IDX_files_stored_name\` (\`stored_name\`), INDEX \`IDX_files_robot_created\` (\`robot_id\`, \`created_at\`), INDEX \`IDX_files_status_next\` (\`status\`, \`next_attempt_at\`), UNIQUE INDEX \`UQ_files_message_kind\` (\`message_id\`, \`kind\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`UQ_files_message_kind\` ON \`files\``);
    await queryRunner.query(`DROP INDEX \`IDX_files_status_next\` ON \`files\``);
    await queryRunner.query(`DROP INDEX \`IDX_files_robot_created\` ON \`files\``);
    await queryRunner.query(`DROP INDEX \`IDX_files_stored_name\` ON \`files\``);
    await queryRunner.query(`DROP INDEX \`IDX_files_inline_name\` ON \`files\``);
    await queryRunner.query(`DROP TABLE \`files\``);
  }
}
