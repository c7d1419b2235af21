import { reachable } from '../support/services';

/**
 * The MySQL e2e project runs the same suite against the real MariaDB/MySQL server (127.0.0.1:3306, root, no password
 * unless TEST_MYSQL_* say otherwise); each test file creates and drops its own database. Under CI=true an unreachable
 * server fails the run; elsewhere the suite is skipped with a loud warning.
 */
process.env.TEST_DB = 'mysql';
if (process.env.TEST_MYSQL_AVAILABLE === undefined) {
  const host = process.env.TEST_MYSQL_HOST ?? '127.0.0.1';
  const port = process.env.TEST_MYSQL_PORT ?? '3306';
  process.env.TEST_MYSQL_AVAILABLE = reachable(host, Number(port)) ? '1' : '0';
}
if (process.env.TEST_MYSQL_AVAILABLE !== '1') {
  const msg = `MySQL/MariaDB is not reachable at ${process.env.TEST_MYSQL_HOST ?? '127.0.0.1'}:${process.env.TEST_MYSQL_PORT ?? '3306'}`;
  if (process.env.CI === 'true') throw new Error(`${msg}: the MySQL e2e suite cannot run (CI=true)`);
  console.warn(`\n!!! ${msg}: SKIPPING the MySQL e2e suite. Start MariaDB to run it. !!!\n`);
}
