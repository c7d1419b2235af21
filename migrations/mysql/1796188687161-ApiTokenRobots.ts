import { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiTokenRobots1796188687161 implements MigrationInterface {
  name = 'ApiTokenRobots1796188687161';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`api_tokens\` ADD \`robot_ids\` text NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`api_tokens\` DROP COLUMN \`robot_ids\``);
  }
}
