import { MigrationInterface, QueryRunner } from 'typeorm';

export class OutboundWebhooks1796320000000 implements MigrationInterface {
  name = 'OutboundWebhooks1796320000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`outbound_webhooks\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`url\` varchar(2000) NOT NULL, \`description\` varchar(500) NOT NULL DEFAULT '', \`event_kinds\` text NOT NULL, \`robot_ids\` text NOT NULL, \`chat_ids\` text NOT NULL, \`active\` tinyint NOT NULL DEFAULT 1, \`secret\` varchar(100) NOT NULL, \`created_by\` varchar(100) NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`outbound_deliveries\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`webhook_id\` int NOT NULL, \`event_id\` varchar(64) NOT NULL, \`event_type\` varchar(64) NOT NULL, \`message_id\` int NULL, \`payload\` text NOT NULL, \`status\` varchar(16) NOT NULL DEFAULT 'pending', \`attempts\` int NOT NULL DEFAULT '0', \`next_attempt_at\` datetime NOT NULL, \`claimed_at\` datetime NULL, \`last_status\` int NULL, \`last_error\` varchar(64) NULL, \`delivered_at\` datetime NULL, INDEX \`IDX_outbound_deliveries_webhook_status\` (\`webhook_id\`, \`status\`, \`id\`), INDEX \`IDX_outbound_deliveries_status_next\` (\`status\`, \`next_attempt_at\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`outbound_delivery_attempts\` (\`id\` int NOT NULL AUTO_INCREMENT, \`webhook_id\` int NOT NULL, \`delivery_id\` int NOT NULL, \`event_type\` varchar(64) NOT NULL, \`attempt\` int NOT NULL, \`status_code\` int NULL, \`latency_ms\` int NOT NULL, \`response\` varchar(500) NULL, \`error_code\` varchar(64) NULL, \`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), INDEX \`IDX_outbound_attempts_created\` (\`created_at\`), INDEX \`IDX_outbound_attempts_webhook_id\` (\`webhook_id\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`outbound_deliveries\` ADD CONSTRAINT \`FK_8728a0ee539b2bac28c2d5616ac\` FOREIGN KEY (\`webhook_id\`) REFERENCES \`outbound_webhooks\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`outbound_delivery_attempts\` ADD CONSTRAINT \`FK_b0b47f703c6350c171067e21a43\` FOREIGN KEY (\`webhook_id\`) REFERENCES \`outbound_webhooks\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE \`outbound_delivery_attempts\` DROP FOREIGN KEY \`FK_b0b47f703c6350c171067e21a43\``,
    );
    await queryRunner.query(`ALTER TABLE \`outbound_deliveries\` DROP FOREIGN KEY \`FK_8728a0ee539b2bac28c2d5616ac\``);
    await queryRunner.query(`DROP INDEX \`IDX_outbound_attempts_webhook_id\` ON \`outbound_delivery_attempts\``);
    await queryRunner.query(`DROP INDEX \`IDX_outbound_attempts_created\` ON \`outbound_delivery_attempts\``);
    await queryRunner.query(`DROP TABLE \`outbound_delivery_attempts\``);
    await queryRunner.query(`DROP INDEX \`IDX_outbound_deliveries_status_next\` ON \`outbound_deliveries\``);
    await queryRunner.query(`DROP INDEX \`IDX_outbound_deliveries_webhook_status\` ON \`outbound_deliveries\``);
    await queryRunner.query(`DROP TABLE \`outbound_deliveries\``);
    await queryRunner.query(`DROP TABLE \`outbound_webhooks\``);
  }
}
