import { spawnSync } from 'node:child_process';

/**
 * The MySQL e2e project runs the same suite against the real MariaDB/MySQL server (127.0.0.1:3306, root, no password
 * unless TEST_MYSQL_* say otherwise); each test file creates and drops its own database. Under CI=true an unreachable
 * server fails the run; elsewhere the suite is skipped with a loud warning.
 */
process.env.TEST_DB = 'mysql';
if (process.env.TEST_MYSQL_AVAILABLE === undefined) {
  const host = process.env.TEST_MYSQL_HOST ?? '127.0.0.1';
  const port = process.env.TEST_MYSQL_PORT ?? '3306';
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const s=require('net').connect(${Number(port)},${JSON.stringify(host)});s.setTimeout(2000);` +
        `s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));s.on('timeout',()=>process.exit(1));`,
    ],
    { timeout: 5000 },
  );
  process.env.TEST_MYSQL_AVAILABLE = probe.status === 0 ? '1' : '0';
}
if (process.env.TEST_MYSQL_AVAILABLE !== '1') {
  const msg = `MySQL/MariaDB is not reachable at ${process.env.TEST_MYSQL_HOST ?? '127.0.0.1'}:${process.env.TEST_MYSQL_PORT ?? '3306'}`;
  if (process.env.CI === 'true') throw new Error(`${msg}: the MySQL e2e suite cannot run (CI=true)`);
  console.warn(`\n!!! ${msg}: SKIPPING the MySQL e2e suite. Start MariaDB to run it. !!!\n`);
}
