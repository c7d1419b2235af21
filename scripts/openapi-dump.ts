/**
 * Writes the service's OpenAPI document to web/src/api/openapi.json and generates web/src/api/schema.d.ts from it
 * with openapi-typescript: the admin console's API client is typed by them, so an API change that breaks the
 * console fails its build. Boots the real application on a throwaway SQLite database to build the document.
 *
 *   npm run web:api          (node dist/scripts/openapi-dump.js [--check] after a build; tsx cannot run Nest: no decorator metadata)
 *
 * --check compares instead of writing, and exits 1 when the committed files are stale.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildOpenApi, createApp } from '../src/app.setup';
import { loadConfig } from '../src/config/app-config';
import { createRootLogger } from '../src/logging/root-logger';

export const ROOT = resolve(__dirname, '..').replace(/[\\/]dist$/, '');
export const OPENAPI_JSON = join(ROOT, 'web', 'src', 'api', 'openapi.json');
export const SCHEMA_TS = join(ROOT, 'web', 'src', 'api', 'schema.d.ts');
const OPENAPI_TS_CLI = join(ROOT, 'web', 'node_modules', 'openapi-typescript', 'bin', 'cli.js');

/** The OpenAPI document as the console sees it: built from a fresh app with the default configuration. */
export async function dumpOpenApi(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'og-openapi-'));
  const { config } = loadConfig({
    env: {},
    path: null,
    overrides: {
      backend: { secret_key: 'openapi-dump-secret-key-0123456789abcdef', data_dir: dir, password_hash_rounds: 4 },
      database: { type: 'sqlite', sqlite_file: join(dir, 'openapi.db') },
      logging: { path: join(dir, 'logs'), stdout: false, level: 'warn' },
      plugins: { plugins_dir: join(dir, 'plugins') },
    },
  });
  const root = createRootLogger(config);
  const app = await createApp({
    config,
    rootLogger: root,
    configSource: null,
    env: { OPENGEWE_ADMIN_USERNAME: 'openapi', OPENGEWE_ADMIN_PASSWORD: 'openapi-dump-password' },
  });
  try {
    await app.init();
    return JSON.stringify(buildOpenApi(app), null, 2) + '\n';
  } finally {
    await app.close();
    await root.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function openApiTypescriptAvailable(): boolean {
  return existsSync(OPENAPI_TS_CLI);
}

/** schema.d.ts for a document (openapi-typescript, installed with the console's dependencies). */
export function generateTypes(json: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'og-openapi-ts-'));
  try {
    writeFileSync(join(dir, 'openapi.json'), json);
    execFileSync(process.execPath, [OPENAPI_TS_CLI, join(dir, 'openapi.json'), '-o', join(dir, 'schema.d.ts')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return readFileSync(join(dir, 'schema.d.ts'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  if (!openApiTypescriptAvailable()) throw new Error('web/node_modules is missing: run `npm ci --prefix web` first');
  const json = await dumpOpenApi();
  const types = generateTypes(json);
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  if (check) {
    const stale = [OPENAPI_JSON, SCHEMA_TS].filter((f, i) => read(f) !== [json, types][i]);
    if (stale.length) {
      process.stderr.write(`Stale: ${stale.join(', ')}. Run \`npm run web:api\` and commit the result.\n`);
      process.exit(1);
    }
    process.stdout.write('The console’s OpenAPI files are up to date.\n');
    return;
  }
  writeFileSync(OPENAPI_JSON, json);
  writeFileSync(SCHEMA_TS, types);
  process.stdout.write(`Wrote ${OPENAPI_JSON} and ${SCHEMA_TS}\n`);
}

if (require.main === module)
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
