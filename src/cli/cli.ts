import { hash } from 'bcrypt';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { randomBytes } from 'node:crypto';
import { IsNull } from 'typeorm';
import type { DataSource } from 'typeorm';
import { UserCreateDto } from '../admin/dto/user.dto';
import { UserEntity } from '../user/user.entity';
import { AuthSessionEntity } from '../auth/auth-session.entity';
import { firstAdminBanner } from '../user/first-admin';
import { UserService } from '../user/user.service';
import { flattenValidationErrors } from '../common/validation';
import { AppConfig, ConfigError, loadConfig } from '../config/app-config';
import { openDatabase } from '../data-source';

/** Output of a command: what it printed and its exit code (commands never call process.exit themselves). */
export interface CliResult {
  code: number;
  out: string;
}

export async function withDatabase(
  run: (ds: DataSource, config: AppConfig, applied: string[]) => Promise<CliResult>,
  config?: AppConfig,
): Promise<CliResult> {
  let cfg = config;
  if (!cfg) {
    try {
      cfg = loadConfig().config;
    } catch (err) {
      if (err instanceof ConfigError) return { code: 1, out: err.message };
      throw err;
    }
  }
  let ds: DataSource;
  let applied: string[];
  try {
    ({ dataSource: ds, applied } = await openDatabase(cfg));
  } catch (err) {
    return { code: 1, out: `Cannot open the ${cfg.database.type} database: ${(err as Error).message}` };
  }
  try {
    return await run(ds, cfg, applied);
  } finally {
    await ds.destroy();
  }
}

/** `npm run migration:run`: applies pending migrations (the service also does this at start-up). */
export function migrationRun(config?: AppConfig): Promise<CliResult> {
  return withDatabase((_ds, _cfg, applied) => {
    return Promise.resolve({
      code: 0,
      out: applied.length
        ? `Applied ${applied.length} migration(s): ${applied.join(', ')}`
        : 'Database schema is up to date.',
    });
  }, config);
}

/** `npm run init-db`: creates the schema and, on an empty database, the first admin. */
export function initDb(env: NodeJS.ProcessEnv, config?: AppConfig): Promise<CliResult> {
  return withDatabase(async (ds, cfg) => {
    const r = await usersOf(ds).ensureFirstAdmin((p) => hash(p, cfg.backend.password_hash_rounds), env);
    let out = `Database ready (${cfg.database.type}).`;
    if (r.created)
      out += r.generatedPassword
        ? firstAdminBanner(r.username!, r.generatedPassword)
        : ` Created the first admin "${r.username}".`;
    else out += ' Users already exist; no admin created.';
    return { code: 0, out };
  }, config);
}

export interface CreateUserArgs {
  username?: string;
  password?: string;
  email?: string;
  admin: boolean;
  /** Reset the password (and re-enable) an existing user instead of failing: the way back in for a locked-out admin. */
  update: boolean;
}

export function parseCreateUserArgs(argv: string[]): CreateUserArgs | string {
  const args: CreateUserArgs = { admin: false, update: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i];
    if (a === '--username' || a === '-u') args.username = value();
    else if (a === '--password' || a === '-p') args.password = value();
    else if (a === '--email' || a === '-e') args.email = value();
    else if (a === '--admin') args.admin = true;
    else if (a === '--update') args.update = true;
    else return `unknown argument ${a}`;
  }
  if (!args.username) return 'missing --username';
  return args;
}

export const CREATE_USER_USAGE =
  'usage: npm run create-user -- --username <name> [--password <pw>] [--email <email>] [--admin] [--update]\n' +
  '  Without --password a random one is generated and printed. --update resets the password of an existing user\n' +
  '  (and re-enables it; with --admin also makes it an admin). The password may also come from OPENGEWE_NEW_PASSWORD.';

export function createUser(args: CreateUserArgs, env: NodeJS.ProcessEnv, config?: AppConfig): Promise<CliResult> {
  return withDatabase(async (ds, cfg) => {
    const given = args.password ?? env.OPENGEWE_NEW_PASSWORD;
    const generated = given === undefined ? randomBytes(12).toString('base64url') : undefined;
    const password = given ?? generated!;
    const dto = plainToInstance(UserCreateDto, {
      username: args.username,
      password,
      ...(args.email ? { email: args.email } : {}),
      isAdmin: args.admin,
    });
    const problems = flattenValidationErrors(await validate(dto, { whitelist: true, forbidNonWhitelisted: true }));
    if (problems.length) return { code: 1, out: `Invalid user: ${problems.join('; ')}` };
    const users = usersOf(ds);
    const existing = await users.findByUsername(dto.username);
    const passwordHash = await hash(dto.password, cfg.backend.password_hash_rounds);
    const shown = generated ? ` Password: ${generated}` : '';
    if (existing) {
      if (!args.update)
        return { code: 1, out: `User "${dto.username}" already exists (use --update to reset its password).` };
      await users.update(existing.id, { passwordHash, isActive: true, ...(args.admin ? { isAdmin: true } : {}) });
      // Sessions opened with the old password end here too.
      await ds
        .getRepository(AuthSessionEntity)
        .update({ userId: existing.id, revokedAt: IsNull() }, { revokedAt: new Date() });
      return { code: 0, out: `Updated user "${dto.username}" (id ${existing.id}).${shown}` };
    }
    if (dto.email && (await users.findByEmail(dto.email)))
      return { code: 1, out: `email "${dto.email}" is already in use.` };
    const saved = await users.create({
      username: dto.username,
      email: dto.email ?? null,
      passwordHash,
      isAdmin: args.admin,
      isActive: true,
    });
    return { code: 0, out: `Created ${args.admin ? 'admin' : 'user'} "${saved.username}" (id ${saved.id}).${shown}` };
  }, config);
}

/** The users table through its owner, UserService, built by hand (the command line runs without Nest). */
function usersOf(ds: DataSource): UserService {
  return new UserService(ds.getRepository(UserEntity), ds);
}
