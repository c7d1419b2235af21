import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `messages.deferred_results`: the outcomes of work plugins deferred (ctx.defer), kept apart from `results` so the
 * dispatch's save and a deferred outcome's append never overwrite each other.
 */
export class DeferredResults1796224064804 implements MigrationInterface {
  name = 'DeferredResults1796224064804';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`messages\` ADD \`deferred_results\` text NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`messages\` DROP COLUMN \`deferred_results\``);
  }
}
