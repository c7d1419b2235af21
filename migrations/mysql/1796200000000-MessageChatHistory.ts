import { MigrationInterface, QueryRunner } from 'typeorm';

/** A chat's recent messages (ctx.history of plugins: GroupDigest) read by robot, chat and time. */
export class MessageChatHistory1796200000000 implements MigrationInterface {
  name = 'MessageChatHistory1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX \`IDX_messages_robot_chat_received\` ON \`messages\` (\`robot_id\`, \`chat_id\`, \`received_at\`)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_messages_robot_chat_received\` ON \`messages\``);
  }
}
