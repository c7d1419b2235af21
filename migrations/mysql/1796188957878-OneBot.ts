import { MigrationInterface, QueryRunner } from 'typeorm';

export class OneBot1796188957878 implements MigrationInterface {
  name = 'OneBot1796188957878';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`onebot_ids\` (\`id\` int NOT NULL AUTO_INCREMENT, \`kind\` varchar(8) NOT NULL, \`raw\` varchar(100) NOT NULL, UNIQUE INDEX \`UQ_onebot_ids_kind_raw\` (\`kind\`, \`raw\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`onebot_messages\` (\`id\` int NOT NULL AUTO_INCREMENT, \`robot_id\` int NOT NULL, \`new_msg_id\` varchar(32) NOT NULL, \`msg_id\` varchar(32) NULL, \`create_time\` bigint NULL, \`chat_id\` varchar(100) NULL, \`message_log_id\` int NULL, UNIQUE INDEX \`UQ_onebot_messages_robot_newmsgid\` (\`robot_id\`, \`new_msg_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`onebot_settings\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`robot_id\` int NOT NULL, \`enabled\` tinyint NOT NULL DEFAULT 0, \`id_mode\` varchar(16) NOT NULL DEFAULT 'alias', \`forward_ws\` tinyint NOT NULL DEFAULT 1, \`reverse_ws\` text NOT NULL, \`http_post\` text NOT NULL, \`post_self\` tinyint NOT NULL DEFAULT 0, \`heartbeat_interval_ms\` int NOT NULL DEFAULT '15000', PRIMARY KEY (\`robot_id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`onebot_settings\` ADD CONSTRAINT \`FK_051980742b9a0984035aeb1d47e\` FOREIGN KEY (\`robot_id\`) REFERENCES \`robots\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`onebot_settings\` DROP FOREIGN KEY \`FK_051980742b9a0984035aeb1d47e\``);
    await queryRunner.query(`DROP TABLE \`onebot_settings\``);
    await queryRunner.query(`DROP INDEX \`UQ_onebot_messages_robot_newmsgid\` ON \`onebot_messages\``);
    await queryRunner.query(`DROP TABLE \`onebot_messages\``);
    await queryRunner.query(`DROP INDEX \`UQ_onebot_ids_kind_raw\` ON \`onebot_ids\``);
    await queryRunner.query(`DROP TABLE \`onebot_ids\``);
  }
}
