import { MigrationInterface, QueryRunner } from 'typeorm';

export class Alerts1795660979070 implements MigrationInterface {
  name = 'Alerts1795660979070';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`alerts\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`rule\` varchar(50) NOT NULL, \`subject\` varchar(150) NOT NULL, \`open_key\` varchar(200) NULL, \`robot_id\` int NULL, \`state\` varchar(20) NOT NULL, \`severity\` varchar(20) NOT NULL, \`summary\` varchar(500) NOT NULL, \`details\` text NULL, \`since\` datetime NOT NULL, \`last_seen_at\` datetime NOT NULL, \`fired_at\` datetime NULL, \`resolved_at\` datetime NULL, \`notified_fired_at\` datetime NULL, \`notified_resolved_at\` datetime NULL, \`deliveries\` text NULL, INDEX \`IDX_21c75b1f9557eb66bf76a5deed\` (\`robot_id\`), INDEX \`IDX_alerts_state_id\` (\`state\`, \`id\`), UNIQUE INDEX \`IDX_cc0dc70d70bcb3c8a486ce3105\` (\`open_key\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_cc0dc70d70bcb3c8a486ce3105\` ON \`alerts\``);
    await queryRunner.query(`DROP INDEX \`IDX_alerts_state_id\` ON \`alerts\``);
    await queryRunner.query(`DROP INDEX \`IDX_21c75b1f9557eb66bf76a5deed\` ON \`alerts\``);
    await queryRunner.query(`DROP TABLE \`alerts\``);
  }
}
