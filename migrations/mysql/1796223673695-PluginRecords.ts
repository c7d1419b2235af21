import { MigrationInterface, QueryRunner } from 'typeorm';

export class PluginRecords1796223673695 implements MigrationInterface {
  name = 'PluginRecords1796223673695';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`plugin_records\` (\`id\` int NOT NULL AUTO_INCREMENT, \`plugin\` varchar(100) NOT NULL, \`kind\` varchar(64) NOT NULL, \`robot_id\` int NULL, \`chat_id\` varchar(100) NULL, \`data\` text NOT NULL, \`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), INDEX \`IDX_plugin_records_plugin_kind_id\` (\`plugin\`, \`kind\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`plugin_records\` ADD CONSTRAINT \`FK_6ab96d07dec06ce6d65d7affda1\` FOREIGN KEY (\`robot_id\`) REFERENCES \`robots\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`plugin_records\` DROP FOREIGN KEY \`FK_6ab96d07dec06ce6d65d7affda1\``);
    await queryRunner.query(`DROP INDEX \`IDX_plugin_records_plugin_kind_id\` ON \`plugin_records\``);
    await queryRunner.query(`DROP TABLE \`plugin_records\``);
  }
}
