import { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiTokens1795661362824 implements MigrationInterface {
  name = 'ApiTokens1795661362824';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`api_tokens\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`name\` varchar(100) NOT NULL, \`prefix\` varchar(16) NOT NULL, \`token_hash\` varchar(64) NOT NULL, \`scopes\` varchar(255) NOT NULL, \`expires_at\` datetime NULL, \`revoked_at\` datetime NULL, \`last_used_at\` datetime NULL, \`last_used_ip\` varchar(64) NULL, \`created_by_id\` int NULL, \`created_by\` varchar(100) NULL, UNIQUE INDEX \`UQ_api_tokens_hash\` (\`token_hash\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`UQ_api_tokens_hash\` ON \`api_tokens\``);
    await queryRunner.query(`DROP TABLE \`api_tokens\``);
  }
}
