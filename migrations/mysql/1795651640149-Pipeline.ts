import { MigrationInterface, QueryRunner } from 'typeorm';

export class Pipeline1795651640149 implements MigrationInterface {
  name = 'Pipeline1795651640149';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`messages\` (\`id\` int NOT NULL AUTO_INCREMENT, \`robot_id\` int NOT NULL, \`new_msg_id\` varchar(32) NULL, \`msg_id\` varchar(32) NULL, \`kind\` varchar(32) NOT NULL, \`type_name\` varchar(32) NOT NULL, \`msg_type\` int NULL, \`chat_id\` varchar(100) NULL, \`is_group\` tinyint NOT NULL DEFAULT 0, \`sender_wxid\` varchar(100) NULL, \`is_self\` tinyint NOT NULL DEFAULT 0, \`mentions_self\` tinyint NOT NULL DEFAULT 0, \`text\` text NULL, \`create_time\` bigint NULL, \`received_at\` datetime NOT NULL, \`raw\` text NOT NULL, \`details\` text NULL, \`results\` text NULL, \`request_id\` varchar(64) NULL, INDEX \`IDX_2379e533ece9dc4487f915c3ca\` (\`kind\`), INDEX \`IDX_messages_chat\` (\`chat_id\`), INDEX \`IDX_messages_robot_received\` (\`robot_id\`, \`received_at\`), UNIQUE INDEX \`UQ_messages_robot_newmsgid\` (\`robot_id\`, \`new_msg_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`plugin_kv\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`plugin_name\` varchar(100) NOT NULL, \`key\` varchar(191) NOT NULL, \`value\` text NOT NULL, UNIQUE INDEX \`UQ_plugin_kv\` (\`plugin_name\`, \`key\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`plugin_robot_settings\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`plugin_name\` varchar(100) NOT NULL, \`robot_id\` int NOT NULL, \`enabled\` tinyint NOT NULL, UNIQUE INDEX \`UQ_plugin_robot\` (\`plugin_name\`, \`robot_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`callback_inbox\` (\`id\` int NOT NULL AUTO_INCREMENT, \`dedup_key\` varchar(100) NOT NULL, \`robot_id\` int NOT NULL, \`payload\` text NOT NULL, \`request_id\` varchar(64) NULL, \`status\` varchar(16) NOT NULL DEFAULT 'pending', \`attempts\` int NOT NULL DEFAULT '0', \`last_error\` text NULL, \`next_attempt_at\` datetime NOT NULL, \`received_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), INDEX \`IDX_inbox_status_next\` (\`status\`, \`next_attempt_at\`), UNIQUE INDEX \`IDX_5674363d6ae6f15bc500241dea\` (\`dedup_key\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(`ALTER TABLE \`plugins\` ADD \`disabled_reason\` varchar(500) NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`plugins\` DROP COLUMN \`disabled_reason\``);
    await queryRunner.query(`DROP INDEX \`IDX_5674363d6ae6f15bc500241dea\` ON \`callback_inbox\``);
    await queryRunner.query(`DROP INDEX \`IDX_inbox_status_next\` ON \`callback_inbox\``);
    await queryRunner.query(`DROP TABLE \`callback_inbox\``);
    await queryRunner.query(`DROP INDEX \`UQ_plugin_robot\` ON \`plugin_robot_settings\``);
    await queryRunner.query(`DROP TABLE \`plugin_robot_settings\``);
    await queryRunner.query(`DROP INDEX \`UQ_plugin_kv\` ON \`plugin_kv\``);
    await queryRunner.query(`DROP TABLE \`plugin_kv\``);
    await queryRunner.query(`DROP INDEX \`UQ_messages_robot_newmsgid\` ON \`messages\``);
    await queryRunner.query(`DROP INDEX \`IDX_messages_robot_received\` ON \`messages\``);
    await queryRunner.query(`DROP INDEX \`IDX_messages_chat\` ON \`messages\``);
    await queryRunner.query(`DROP INDEX \`IDX_2379e533ece9dc4487f915c3ca\` ON \`messages\``);
    await queryRunner.query(`DROP TABLE \`messages\``);
  }
}
