import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * docker-compose.yml and the Docker section of docs/OPERATIONS.md agree: every variable the docs tell you to put in
 * .env is one compose reads, every one compose requires is in the docs' .env, and `docker compose config` with that
 * .env succeeds and hands the values to the service.
 */
const root = join(__dirname, '../..');
const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const operations = readFileSync(join(root, 'docs/OPERATIONS.md'), 'utf8');
const dockerSection = operations.slice(
  operations.indexOf('## Deployment with Docker'),
  operations.indexOf('\n## ', operations.indexOf('## Deployment with Docker') + 1),
);

/** The pm2 file's apps: the two-process setup, whose webhook flags the compose split profile documents too. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { apps } = require(join(root, 'ecosystem.config.cjs')) as {
  apps: { name: string; script: string; node_args: string; env: Record<string, string> }[];
};

/** The node flags ecosystem.config.cjs gives the webhook process of the two-process setup. */
function webhookNodeArgs(): string {
  return apps.find((a) => a.env.OPENGEWE__BACKEND__ROLE === 'webhook')!.node_args;
}

/** The `dotenv` block of the Docker section: what the docs tell you to write into .env. */
function docsEnv(): Record<string, string> {
  const block = /```dotenv\n([\s\S]*?)```/.exec(dockerSection);
  if (!block) throw new Error('docs/OPERATIONS.md: the Docker section has no ```dotenv block');
  const env: Record<string, string> = {};
  for (const line of block[1].split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/** Compose's variable references: `${NAME}`, `${NAME:-default}`, `${NAME:?error}` and their forms without colon. */
interface Reference {
  name: string;
  op: '' | ':-' | '-' | ':?' | '?';
  arg: string;
}
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?)((?:[^{}]|\{[^{}]*\})*))?\}/g;

function references(text: string): Reference[] {
  return [...text.matchAll(REFERENCE)].map((m) => ({
    name: m[1],
    op: (m[2] ?? '') as Reference['op'],
    arg: m[3] ?? '',
  }));
}

/** Compose's interpolation rules: the errors it would stop with for this .env (empty: it starts). */
function interpolationErrors(env: Record<string, string>): string[] {
  const errors: string[] = [];
  for (const r of references(compose)) {
    const value = env[r.name];
    if (r.op === ':?' && !value) errors.push(`${r.name}: ${r.arg}`);
    if (r.op === '?' && value === undefined) errors.push(`${r.name}: ${r.arg}`);
  }
  return errors;
}

/** `docker compose` (v2 plugin) or `docker-compose` (v1), whichever this machine has. */
function composeCli(): string[] | null {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const r = spawnSync(cmd[0], [...cmd.slice(1), 'version'], { encoding: 'utf8' });
    if (r.status === 0) return cmd;
  }
  return null;
}

/** Runs `config` with only this .env (none of this process's variables leak into the interpolation). */
function composeConfig(cli: string[], env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'compose-env-'));
  try {
    const file = join(dir, '.env');
    writeFileSync(
      file,
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    return spawnSync(cli[0], [...cli.slice(1), '--env-file', file, '-f', join(root, 'docker-compose.yml'), 'config'], {
      encoding: 'utf8',
      cwd: root,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('docker compose and the .env the docs describe', () => {
  const env = docsEnv();
  const read = new Set(references(compose).map((r) => r.name));
  const required = new Set(
    references(compose)
      .filter((r) => r.op === ':?' || r.op === '?')
      .map((r) => r.name),
  );

  it('every variable the docs put in .env is one docker-compose.yml reads', () => {
    expect(Object.keys(env).length).toBeGreaterThan(0);
    for (const name of Object.keys(env))
      expect({ name, readByCompose: read.has(name) }).toEqual({ name, readByCompose: true });
  });

  it('every variable compose requires is in the docs’ .env', () => {
    expect(required.size).toBeGreaterThan(0);
    for (const name of required) expect({ name, inDocsEnv: name in env }).toEqual({ name, inDocsEnv: true });
  });

  it('every .env name the Docker section or the compose comments mention is one compose reads (not an OPENGEWE__ name)', () => {
    // compose does not pass .env into the container: only names it interpolates have an effect there
    const comments = compose
      .split('\n')
      .filter((l) => l.trimStart().startsWith('#'))
      .join('\n');
    const mentioned = new Set([
      ...[...dockerSection.matchAll(/`((?:OPENGEWE|MYSQL)_[A-Z0-9_]+)(?:=[^`]*)?`/g)].map((m) => m[1]),
      ...[...comments.matchAll(/^#\s+((?:OPENGEWE|MYSQL)_[A-Z0-9_]+)=/gm)].map((m) => m[1]),
      ...[...comments.matchAll(/\b((?:OPENGEWE|MYSQL)_[A-Z0-9_]+)\b/g)].map((m) => m[1]),
    ]);
    const envNames = [...mentioned].filter((n) => !n.includes('__'));
    expect(envNames.length).toBeGreaterThan(0);
    for (const name of envNames) expect({ name, readByCompose: read.has(name) }).toEqual({ name, readByCompose: true });
    // a sentence telling you to put a container variable (OPENGEWE__…) into .env is the trap this test guards
    for (const sentence of dockerSection.split(/(?<=\.)\s+/))
      if (sentence.includes('.env')) expect(sentence).not.toMatch(/`OPENGEWE__[A-Z0-9_]+`/);
  });

  it('with the docs’ .env compose has everything; without each required variable it refuses', () => {
    expect(interpolationErrors(env)).toEqual([]);
    for (const name of [
      'OPENGEWE_SECRET_KEY',
      'OPENGEWE_CALLBACK_URL',
      'OPENGEWE_ADMIN_PASSWORD',
      'MYSQL_ROOT_PASSWORD',
    ]) {
      const without = { ...env };
      delete without[name];
      expect(interpolationErrors(without).join('\n')).toContain(name);
    }
  });

  it('runs BullMQ on the Redis it starts, and asks for the public callback URL', () => {
    expect(compose).toMatch(/^\s+redis:\s*$/m);
    expect(compose).toMatch(/^\s+OPENGEWE__QUEUE__QUEUE_TYPE: advanced\s*$/m);
    expect(compose).toMatch(/^\s+OPENGEWE__GEWE__CALLBACK_URL: \$\{OPENGEWE_CALLBACK_URL:\?/m);
  });

  it('the image runs on a supported Node LTS (22)', () => {
    const froms = [...readFileSync(join(root, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+node:(\d+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThan(0);
    for (const major of froms) expect(major).toBe('22');
  });

  it('`docker compose config` with the docs’ .env succeeds and gives the service those values', () => {
    const cli = composeCli();
    if (!cli) throw new Error('no docker compose here: install the Compose plugin or `apt-get install docker-compose`');
    const ok = composeConfig(cli, env);
    expect({ status: ok.status, stderr: ok.status === 0 ? '' : ok.stderr }).toEqual({ status: 0, stderr: '' });
    const value = (name: string) => new RegExp(`^\\s+${name}: ['"]?([^'"\\n]*)['"]?$`, 'm').exec(ok.stdout)?.[1];
    expect(value('OPENGEWE__BACKEND__SECRET_KEY')).toBe(env.OPENGEWE_SECRET_KEY);
    expect(value('OPENGEWE__GEWE__CALLBACK_URL')).toBe(env.OPENGEWE_CALLBACK_URL);
    expect(value('OPENGEWE__DATABASE__MYSQL_PASSWORD')).toBe(env.MYSQL_ROOT_PASSWORD);
    expect(value('OPENGEWE_ADMIN_PASSWORD')).toBe(env.OPENGEWE_ADMIN_PASSWORD);
    expect(value('OPENGEWE__QUEUE__QUEUE_TYPE')).toBe('advanced');

    const missing = composeConfig(cli, { ...env, OPENGEWE_CALLBACK_URL: '' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('OPENGEWE_CALLBACK_URL');
  });

  it('the split profile runs a worker beside the app in role webhook; without it, one process in role all', () => {
    const cli = composeCli();
    if (!cli) throw new Error('no docker compose here: install the Compose plugin or `apt-get install docker-compose`');
    const roles = (out: string) => [...out.matchAll(/^\s+OPENGEWE__BACKEND__ROLE: ['"]?(\w+)/gm)].map((m) => m[1]);
    const single = composeConfig(cli, env);
    expect(single.status).toBe(0);
    // the app alone in role all; the worker only in the split profile (compose v1's `config` lists it anyway)
    expect(roles(single.stdout).filter((r) => r !== 'worker')).toEqual(['all']);
    expect(compose).toMatch(/^ {2}worker:\n(?: {4}.*\n)*? {4}profiles: \["split"\]/m);
    // the three lines the compose file's header gives for two cores
    const header = Object.fromEntries(
      [...compose.matchAll(/^# {3}(COMPOSE_PROFILES|OPENGEWE_ROLE|OPENGEWE_NODE_OPTIONS)=(.*)$/gm)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    expect(header).toEqual({
      COMPOSE_PROFILES: 'split',
      OPENGEWE_ROLE: 'webhook',
      OPENGEWE_NODE_OPTIONS: webhookNodeArgs(),
    });
    const split = composeConfig(cli, { ...env, ...header });
    expect({ status: split.status, stderr: split.status === 0 ? '' : split.stderr }).toEqual({ status: 0, stderr: '' });
    expect(roles(split.stdout).sort()).toEqual(['webhook', 'worker']);
    // the worker has the app's settings (its database, Redis and queue) and publishes no host port
    const from = split.stdout.indexOf('\n  worker:');
    const next = split.stdout.slice(from + 1).search(/\n {2}\S/);
    const worker = split.stdout.slice(from, next < 0 ? undefined : from + 1 + next);
    expect(worker).toMatch(/OPENGEWE__DATABASE__MYSQL_HOST: mysql/);
    expect(worker).toMatch(/OPENGEWE__QUEUE__QUEUE_TYPE: advanced/);
    expect(worker).not.toMatch(/^\s+ports:/m);
    // the webhook's node flags (ecosystem.config.cjs's) on the app; the worker keeps the production heap cap alone
    const nodeOptions = [...split.stdout.matchAll(/^\s+NODE_OPTIONS: ['"]?([^'"\n]*)/gm)].map((m) => m[1]);
    expect(nodeOptions.sort()).toEqual([webhookNodeArgs(), '--max-old-space-size=512'].sort());
    expect(worker).toMatch(/NODE_OPTIONS: ['"]?--max-old-space-size=512['"]?$/m);
  });
});

describe('the pm2 file for two processes', () => {
  it('starts the built service twice, as webhook and as worker, with the production heap cap', () => {
    expect(apps.map((a) => a.env.OPENGEWE__BACKEND__ROLE)).toEqual(['webhook', 'worker']);
    for (const a of apps) {
      expect(a.script).toBe('dist/src/main.js');
      expect(a.env.NODE_ENV).toBe('production');
    }
    // the webhook with a larger young generation (measured: bench/RESULTS.md), the worker as one process runs
    expect(apps.map((a) => a.node_args)).toEqual([
      '--max-old-space-size=512 --max-semi-space-size=32',
      '--max-old-space-size=512',
    ]);
    // the worker on a port of its own, on loopback
    expect([apps[1].env.OPENGEWE__BACKEND__HOST, apps[1].env.OPENGEWE__BACKEND__PORT]).toEqual(['127.0.0.1', '5434']);
  });
});
