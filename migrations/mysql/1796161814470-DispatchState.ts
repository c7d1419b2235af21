import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The message log's dispatch state becomes a column (see src/message-log/dispatch-ledger.ts) instead of the
 * `"dispatching"` sentinel in `results`: a sentinel row is `dispatching` (its results null again), a row without
 * results `pending`, one whose results hold the interrupted entry `interrupted`, any other `done`.
 */
export class DispatchState1796161814470 implements MigrationInterface {
  name = 'DispatchState1796161814470';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`messages\` ADD \`dispatch_state\` varchar(16) NOT NULL DEFAULT 'pending'`);
    await queryRunner.query(`UPDATE \`messages\` SET \`dispatch_state\` = 'done' WHERE \`results\` IS NOT NULL`);
    await queryRunner.query(
      `UPDATE \`messages\` SET \`dispatch_state\` = 'interrupted' WHERE \`results\` LIKE '%"status":"interrupted"%'`,
    );
    await queryRunner.query(
      `UPDATE \`messages\` SET \`dispatch_state\` = 'dispatching', \`results\` = NULL WHERE \`results\` = '"dispatching"'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE \`messages\` SET \`results\` = '"dispatching"' WHERE \`dispatch_state\` = 'dispatching'`,
    );
    await queryRunner.query(`ALTER TABLE \`messages\` DROP COLUMN \`dispatch_state\``);
  }
}
