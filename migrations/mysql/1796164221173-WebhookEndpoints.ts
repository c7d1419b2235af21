import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * webhook_endpoints: one per robot (src/webhook/webhook-endpoint.entity.ts). Rows for the robots already there are
 * not made here: their key is an HMAC of the token with backend.secret_key, which SQL cannot compute; the boot step
 * (WebhookEndpointBackfill) adds them, with that key, so the callback URLs registered with Gewe keep working.
 */
export class WebhookEndpoints1796164221173 implements MigrationInterface {
  name = 'WebhookEndpoints1796164221173';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`webhook_endpoints\` (\`robot_id\` int NOT NULL, \`key_hash\` varchar(64) NOT NULL, \`key_sealed\` varchar(255) NOT NULL, \`previous_key_hash\` varchar(64) NULL, \`previous_key_until\` datetime NULL, \`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`rotated_at\` datetime NULL, \`last_callback_at\` datetime NULL, \`accepted\` int NOT NULL DEFAULT '0', \`duplicates\` int NOT NULL DEFAULT '0', \`probes\` int NOT NULL DEFAULT '0', \`rejected\` int NOT NULL DEFAULT '0', \`rejected_by_reason\` text NULL, \`last_rejected_at\` datetime NULL, \`last_rejection\` varchar(64) NULL, INDEX \`IDX_3af7affa9e1b2188b84a7979ce\` (\`key_hash\`), PRIMARY KEY (\`robot_id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`webhook_endpoints\` ADD CONSTRAINT \`FK_5c20e320b917ccb6a37c7db11cc\` FOREIGN KEY (\`robot_id\`) REFERENCES \`robots\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`webhook_endpoints\` DROP FOREIGN KEY \`FK_5c20e320b917ccb6a37c7db11cc\``);
    await queryRunner.query(`DROP INDEX \`IDX_3af7affa9e1b2188b84a7979ce\` ON \`webhook_endpoints\``);
    await queryRunner.query(`DROP TABLE \`webhook_endpoints\``);
  }
}
