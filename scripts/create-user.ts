/** npm run create-user -- --username <name> [--password <pw>] [--email <e>] [--admin] [--update] */
import 'reflect-metadata';
import { CREATE_USER_USAGE, createUser, parseCreateUserArgs } from '../src/cli/cli';

const args = parseCreateUserArgs(process.argv.slice(2));
if (typeof args === 'string') {
  process.stderr.write(`${args}\n${CREATE_USER_USAGE}\n`);
  process.exitCode = 2;
} else {
  void createUser(args, process.env).then(({ code, out }) => {
    (code ? process.stderr : process.stdout).write(out + '\n');
    process.exitCode = code;
  });
}
