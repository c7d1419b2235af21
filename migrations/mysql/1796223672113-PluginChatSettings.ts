import { MigrationInterface, QueryRunner } from 'typeorm';

export class PluginChatSettings1796223672113 implements MigrationInterface {
  name = 'PluginChatSettings1796223672113';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`plugin_chat_settings\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`robot_id\` int NOT NULL, \`chat_id\` varchar(100) NOT NULL, \`plugin\` varchar(100) NOT NULL, \`enabled\` tinyint NULL, \`config\` text NULL, UNIQUE INDEX \`UQ_plugin_chat\` (\`robot_id\`, \`chat_id\`, \`plugin\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`plugin_chat_settings\` ADD CONSTRAINT \`FK_6a2f8892f58e22439667cb5f458\` FOREIGN KEY (\`robot_id\`) REFERENCES \`robots\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`plugin_chat_settings\` DROP FOREIGN KEY \`FK_6a2f8892f58e22439667cb5f458\``);
    await queryRunner.query(`DROP INDEX \`UQ_plugin_chat\` ON \`plugin_chat_settings\``);
    await queryRunner.query(`DROP TABLE \`plugin_chat_settings\``);
  }
}
