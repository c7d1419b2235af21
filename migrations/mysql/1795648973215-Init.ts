import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795648973215 implements MigrationInterface {
  name = 'Init1795648973215';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`users\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`username\` varchar(50) NOT NULL, \`email\` varchar(100) NULL, \`password_hash\` varchar(255) NOT NULL, \`is_active\` tinyint NOT NULL DEFAULT 1, \`is_admin\` tinyint NOT NULL DEFAULT 0, \`last_login_at\` datetime NULL, UNIQUE INDEX \`IDX_fe0bb3f6520ee0469504521e71\` (\`username\`), UNIQUE INDEX \`IDX_97672ac88f789774dd47f7c8be\` (\`email\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`auth_sessions\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` varchar(36) NOT NULL, \`user_id\` int NOT NULL, \`refresh_hash\` varchar(64) NOT NULL, \`expires_at\` datetime NOT NULL, \`revoked_at\` datetime NULL, \`ip\` varchar(64) NULL, \`user_agent\` varchar(255) NULL, INDEX \`IDX_50ccaa6440288a06f0ba693ccc\` (\`user_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`plugins\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`name\` varchar(100) NOT NULL, \`directory\` varchar(255) NOT NULL, \`version\` varchar(50) NULL, \`author\` varchar(100) NULL, \`description\` text NULL, \`enabled\` tinyint NOT NULL DEFAULT 0, \`config\` text NULL, UNIQUE INDEX \`IDX_0479844f05c1132f8929cab1c8\` (\`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`robots\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`name\` varchar(100) NOT NULL, \`app_id\` varchar(100) NULL, \`token\` varchar(100) NULL, \`base_url\` varchar(255) NOT NULL, \`download_url\` varchar(255) NULL, \`callback_url\` varchar(255) NULL, \`status\` varchar(50) NOT NULL DEFAULT 'offline', \`config\` text NULL, UNIQUE INDEX \`IDX_489fedc98278750c73d4f37e1a\` (\`app_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`configs\` (\`created_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updated_at\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`id\` int NOT NULL AUTO_INCREMENT, \`name\` varchar(100) NOT NULL, \`value\` text NULL, \`description\` text NULL, \`category\` varchar(50) NULL, UNIQUE INDEX \`IDX_45a17605867387e1125e0b857f\` (\`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`auth_sessions\` ADD CONSTRAINT \`FK_50ccaa6440288a06f0ba693ccc6\` FOREIGN KEY (\`user_id\`) REFERENCES \`users\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`auth_sessions\` DROP FOREIGN KEY \`FK_50ccaa6440288a06f0ba693ccc6\``);
    await queryRunner.query(`DROP INDEX \`IDX_45a17605867387e1125e0b857f\` ON \`configs\``);
    await queryRunner.query(`DROP TABLE \`configs\``);
    await queryRunner.query(`DROP INDEX \`IDX_489fedc98278750c73d4f37e1a\` ON \`robots\``);
    await queryRunner.query(`DROP TABLE \`robots\``);
    await queryRunner.query(`DROP INDEX \`IDX_0479844f05c1132f8929cab1c8\` ON \`plugins\``);
    await queryRunner.query(`DROP TABLE \`plugins\``);
    await queryRunner.query(`DROP INDEX \`IDX_50ccaa6440288a06f0ba693ccc\` ON \`auth_sessions\``);
    await queryRunner.query(`DROP TABLE \`auth_sessions\``);
    await queryRunner.query(`DROP INDEX \`IDX_97672ac88f789774dd47f7c8be\` ON \`users\``);
    await queryRunner.query(`DROP INDEX \`IDX_fe0bb3f6520ee0469504521e71\` ON \`users\``);
    await queryRunner.query(`DROP TABLE \`users\``);
  }
}
