/** npm run init-db — create the schema and, on an empty database, the first admin (OPENGEWE_ADMIN_* or generated). */
import 'reflect-metadata';
import { initDb } from '../src/cli/cli';

void initDb(process.env).then(({ code, out }) => {
  (code ? process.stderr : process.stdout).write(out + '\n');
  process.exitCode = code;
});
