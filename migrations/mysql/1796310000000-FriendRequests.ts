import { MigrationInterface, QueryRunner } from 'typeorm';

/** `friend_requests`: the friend-request inbox (one row per robot and asker), see src/relations/. */
export class FriendRequests1796310000000 implements MigrationInterface {
  name = 'FriendRequests1796310000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`friend_requests\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`robot_id\` int NOT NULL, \`wxid\` varchar(200) NOT NULL, \`nickname\` varchar(255) NULL, \`avatar\` varchar(1000) NULL, \`content\` text NOT NULL, \`scene\` int NULL, \`v3\` varchar(255) NULL, \`v4\` varchar(255) NULL, \`status\` varchar(16) NOT NULL DEFAULT 'pending', \`new_msg_id\` varchar(32) NULL, \`received_at\` datetime NOT NULL, \`handled_at\` datetime NULL, \`handled_by\` varchar(100) NULL, INDEX \`IDX_friend_requests_robot_status\` (\`robot_id\`, \`status\`, \`received_at\`), UNIQUE INDEX \`UQ_friend_requests_robot_wxid\` (\`robot_id\`, \`wxid\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`friend_requests\` ADD CONSTRAINT \`FK_8e578f1c192d0f91898bfedc18e\` FOREIGN KEY (\`robot_id\`) REFERENCES \`robots\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`friend_requests\` DROP FOREIGN KEY \`FK_8e578f1c192d0f91898bfedc18e\``);
    await queryRunner.query(`DROP INDEX \`UQ_friend_requests_robot_wxid\` ON \`friend_requests\``);
    await queryRunner.query(`DROP INDEX \`IDX_friend_requests_robot_status\` ON \`friend_requests\``);
    await queryRunner.query(`DROP TABLE \`friend_requests\``);
  }
}
