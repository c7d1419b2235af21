import { MigrationInterface, QueryRunner } from 'typeorm';

export class RobotAccount1795650174324 implements MigrationInterface {
  name = 'RobotAccount1795650174324';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`robots\` ADD \`is_gewe\` tinyint NOT NULL DEFAULT 1`);
    await queryRunner.query(`ALTER TABLE \`robots\` ADD \`wxid\` varchar(100) NULL`);
    await queryRunner.query(`ALTER TABLE \`robots\` ADD \`nickname\` varchar(100) NULL`);
    await queryRunner.query(`ALTER TABLE \`robots\` ADD \`avatar_url\` varchar(500) NULL`);
    await queryRunner.query(`CREATE INDEX \`IDX_0f45bd0772b7cf3bec21526540\` ON \`robots\` (\`wxid\`)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_0f45bd0772b7cf3bec21526540\` ON \`robots\``);
    await queryRunner.query(`ALTER TABLE \`robots\` DROP COLUMN \`avatar_url\``);
    await queryRunner.query(`ALTER TABLE \`robots\` DROP COLUMN \`nickname\``);
    await queryRunner.query(`ALTER TABLE \`robots\` DROP COLUMN \`wxid\``);
    await queryRunner.query(`ALTER TABLE \`robots\` DROP COLUMN \`is_gewe\``);
  }
}
