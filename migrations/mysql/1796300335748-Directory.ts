import { MigrationInterface, QueryRunner } from 'typeorm';

export class Directory1796300335748 implements MigrationInterface {
  name = 'Directory1796300335748';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`contacts\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`robot_id\` int NOT NULL, \`wxid\` varchar(100) NOT NULL, \`kind\` varchar(16) NOT NULL, \`nickname\` varchar(200) NULL, \`remark\` varchar(200) NULL, \`alias\` varchar(100) NULL, \`avatar\` varchar(500) NULL, \`owner_wxid\` varchar(100) NULL, \`member_count\` int NULL, \`deleted\` tinyint NOT NULL DEFAULT 0, \`synced_at\` datetime NULL, INDEX \`IDX_contact_kind\` (\`robot_id\`, \`kind\`), UNIQUE INDEX \`UQ_contact\` (\`robot_id\`, \`wxid\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`group_members\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`robot_id\` int NOT NULL, \`chat_id\` varchar(100) NOT NULL, \`wxid\` varchar(100) NOT NULL, \`nickname\` varchar(200) NULL, \`display_name\` varchar(200) NULL, \`avatar\` varchar(500) NULL, \`inviter_wxid\` varchar(100) NULL, UNIQUE INDEX \`UQ_group_member\` (\`robot_id\`, \`chat_id\`, \`wxid\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`directory_syncs\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`robot_id\` int NOT NULL, \`state\` varchar(16) NOT NULL, \`phase\` varchar(16) NOT NULL, \`total\` int NOT NULL DEFAULT '0', \`done\` int NOT NULL DEFAULT '0', \`error_code\` varchar(64) NULL, \`error\` varchar(500) NULL, \`started_at\` datetime NOT NULL, \`finished_at\` datetime NULL, PRIMARY KEY (\`robot_id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`contacts\` ADD CONSTRAINT \`FK_9c0deb0e047b22183789b54fbac\` FOREIGN KEY (\`robot_id\`) REFERENCES \`robots\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`group_members\` ADD CONSTRAINT \`FK_d21286c251ceb91ae10d88dde46\` FOREIGN KEY (\`robot_id\`) REFERENCES \`robots\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`directory_syncs\` ADD CONSTRAINT \`FK_5ba46c048d1cac3f682d208ece3\` FOREIGN KEY (\`robot_id\`) REFERENCES \`robots\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`directory_syncs\` DROP FOREIGN KEY \`FK_5ba46c048d1cac3f682d208ece3\``);
    await queryRunner.query(`ALTER TABLE \`group_members\` DROP FOREIGN KEY \`FK_d21286c251ceb91ae10d88dde46\``);
    await queryRunner.query(`ALTER TABLE \`contacts\` DROP FOREIGN KEY \`FK_9c0deb0e047b22183789b54fbac\``);
    await queryRunner.query(`DROP TABLE \`directory_syncs\``);
    await queryRunner.query(`DROP INDEX \`UQ_group_member\` ON \`group_members\``);
    await queryRunner.query(`DROP TABLE \`group_members\``);
    await queryRunner.query(`DROP INDEX \`UQ_contact\` ON \`contacts\``);
    await queryRunner.query(`DROP INDEX \`IDX_contact_kind\` ON \`contacts\``);
    await queryRunner.query(`DROP TABLE \`contacts\``);
  }
}
