/** npm run migration:run — apply pending database migrations. */
import 'reflect-metadata';
import { migrationRun } from '../src/cli/cli';

void migrationRun().then(({ code, out }) => {
  (code ? process.stderr : process.stdout).write(out + '\n');
  process.exitCode = code;
});
