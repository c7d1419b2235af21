import { mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, createTestApp, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

/** Error lines of the app's log file that carry `code`. */
function errorLines(t: TestApp, code: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(join(t.dir, 'logs', 'opengewe.log'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.code === code && (l.level === 50 || l.level === 'error'));
}

// SQLite only, whatever the project's database: the file is what this is about.
describe('SQLite database file deleted or replaced under the running service', () => {
  let t: TestApp & { database: TestDatabase };
  let file: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'og-e2e-sqlite-file-'));
    file = join(dir, 'watched.db');
    t = await createTestApp({
      dir,
      database: { overrides: { type: 'sqlite', sqlite_file: file }, drop: () => Promise.resolve() },
    });
  });
  afterAll(() => destroyTestApp(t));

  it('reports health as failing with a code and logs it at error level, once per change', async () => {
    const token = (await login(t)).accessToken;
    await t.http().get('/api/health').expect(200);

    unlinkSync(file);
    const res = await t.http().get('/api/health').expect(503);
    expect(res.body).toMatchObject({ status: 'error', database: 'down', code: 'DATABASE_FILE_DELETED' });
    const status = await t.http().get('/api/system/status').set(bearer(token)).expect(200);
    expect(status.body.database).toMatchObject({
      type: 'sqlite',
      status: 'down',
      code: 'DATABASE_FILE_DELETED',
      params: { file },
    });
    await waitFor(() => errorLines(t, 'DATABASE_FILE_DELETED').length > 0, 5000, 'the error line');
    const logged = errorLines(t, 'DATABASE_FILE_DELETED');
    expect(logged).toHaveLength(1);
    expect(String(logged[0].msg)).toContain(file);
    expect(String(logged[0].msg)).toMatch(/restore the file from a backup/);
    await t.http().get('/api/health').expect(503);
    expect(errorLines(t, 'DATABASE_FILE_DELETED')).toHaveLength(1);

    // another file at the path (e.g. a restored copy): still not the one this instance writes into
    writeFileSync(file, '');
    const replaced = await t.http().get('/api/health').expect(503);
    expect(replaced.body).toMatchObject({ status: 'error', code: 'DATABASE_FILE_REPLACED' });
    await waitFor(() => errorLines(t, 'DATABASE_FILE_REPLACED').length === 1, 5000, 'the error line');
  });
});
