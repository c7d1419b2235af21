import { MigrationInterface, QueryRunner } from 'typeorm';

export class Conversations1796330000000 implements MigrationInterface {
  name = 'Conversations1796330000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`chat_read_marks\` (\`id\` int NOT NULL AUTO_INCREMENT, \`user_id\` int NOT NULL, \`robot_id\` int NOT NULL, \`chat_id\` varchar(100) NOT NULL, \`last_message_id\` int NOT NULL, \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), UNIQUE INDEX \`UQ_chat_read_marks_user_robot_chat\` (\`user_id\`, \`robot_id\`, \`chat_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`outgoing_messages\` (\`id\` int NOT NULL AUTO_INCREMENT, \`robot_id\` int NOT NULL, \`chat_id\` varchar(100) NOT NULL, \`type\` varchar(16) NOT NULL, \`content\` text NOT NULL, \`state\` varchar(16) NOT NULL, \`error_code\` varchar(64) NULL, \`new_msg_id\` varchar(32) NULL, \`user_id\` int NULL, \`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), INDEX \`IDX_outgoing_messages_robot_chat\` (\`robot_id\`, \`chat_id\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`chat_read_marks\` ADD CONSTRAINT \`FK_6118fd2e55be4e226d6e51e6f99\` FOREIGN KEY (\`user_id\`) REFERENCES \`users\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`chat_read_marks\` ADD CONSTRAINT \`FK_7579fec8d6227973fb18f315b2e\` FOREIGN KEY (\`robot_id\`) REFERENCES \`robots\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`outgoing_messages\` ADD CONSTRAINT \`FK_bc734941316c3632f31999c3106\` FOREIGN KEY (\`robot_id\`) REFERENCES \`robots\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`outgoing_messages\` DROP FOREIGN KEY \`FK_bc734941316c3632f31999c3106\``);
    await queryRunner.query(`ALTER TABLE \`chat_read_marks\` DROP FOREIGN KEY \`FK_7579fec8d6227973fb18f315b2e\``);
    await queryRunner.query(`ALTER TABLE \`chat_read_marks\` DROP FOREIGN KEY \`FK_6118fd2e55be4e226d6e51e6f99\``);
    await queryRunner.query(`DROP INDEX \`IDX_outgoing_messages_robot_chat\` ON \`outgoing_messages\``);
    await queryRunner.query(`DROP TABLE \`outgoing_messages\``);
    await queryRunner.query(`DROP INDEX \`UQ_chat_read_marks_user_robot_chat\` ON \`chat_read_marks\``);
    await queryRunner.query(`DROP TABLE \`chat_read_marks\``);
  }
}
