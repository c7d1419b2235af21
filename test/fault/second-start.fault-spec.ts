import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describeDrill, drillDir, removeDir } from './support/drill';
import { drillSettings, freePort, merge, ROOT, ServiceProcess, Settings, toEnv } from './support/service';

/** Every file under `dir` with its size and modification time: what "touching nothing" is checked against. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const s = statSync(path);
      if (s.isDirectory()) walk(path);
      else out[relative(dir, path)] = `${s.size}@${s.mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

/** The commands run by run(), still going: killed after the suite (a refusal that never came). */
const running = new Set<ChildProcess>();

/** Runs a command with the drill's settings as OPENGEWE__ variables, to its end; its exit code and output. */
function run(command: string, args: string[], settings: Settings): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OPENGEWE') && !k.startsWith('npm_')) env[k] = v;
  Object.assign(env, toEnv(settings), { NODE_ENV: 'test' });
  return new Promise((resolve, reject) => {
    // detached: its own process group, so that `npm start` and what it started can be killed together
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      running.delete(child);
      resolve({ code, out });
    });
  });
}

/**
 * A second start of the service while one runs: on the same port (an operator typing `npm start` twice) and on the
 * same SQLite file from another port. Each exits at once with code 1 and a message naming the port or file and the
 * running instance's pid, before building anything or opening the database; the first instance stays healthy.
 */
describeDrill('second start while the service runs', [], () => {
  const dir = drillDir('second-start');
  const started: ServiceProcess[] = [];
  afterAll(async () => {
    for (const child of running) if (child.pid) process.kill(-child.pid, 'SIGKILL');
    await Promise.all(started.map((s) => s.stop()));
    removeDir(dir);
  });

  it('refuses a second start on the same port and on the same database, touching nothing', async () => {
    const first = await ServiceProcess.start('first', dir, {});
    started.push(first);
    const dist = snapshot(join(ROOT, 'dist'));
    const web = snapshot(join(ROOT, 'web', 'dist'));
    const data = snapshot(dir);
    const same = drillSettings('second', dir, first.port);

    // `npm start` on the same port: the preflight refuses before the console or dist/ is built
    const npm = await run('npm', ['start', '--silent'], same);
    expect(npm.code).toBe(1);
    expect(npm.out).toContain(
      `OpenGewe Backend cannot start: port ${first.port} on 127.0.0.1 is already in use by OpenGewe Backend pid ${first.pid}`,
    );
    expect(npm.out).toContain('OPENGEWE__BACKEND__PORT');
    expect(npm.out).toContain('Nothing was changed.');
    expect(npm.out).not.toMatch(/Compiling|Building the admin console/);

    // the built service started directly (`npm run start:prod`, the image): it checks the same itself
    const node = await run(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], same);
    expect(node.code).toBe(1);
    expect(node.out).toContain(
      `port ${first.port} on 127.0.0.1 is already in use by OpenGewe Backend pid ${first.pid}`,
    );
    expect(node.out).not.toContain('successfully started');

    // the same SQLite file from another port: the lock
    const other = merge(same, { backend: { port: await freePort() } });
    const lockMessage = `the SQLite database ${join(dir, 'opengewe.db')} is in use by another OpenGewe Backend (pid ${first.pid}, port ${first.port}`;
    for (const [cmd, args] of [
      ['npm', ['start', '--silent']],
      [process.execPath, [join(ROOT, 'dist', 'src', 'main.js')]],
    ] as const) {
      const r = await run(cmd, [...args], other);
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 1 });
      expect(r.out).toContain(lockMessage);
      expect(r.out).toContain(`kill ${first.pid}`);
      expect(r.out).toContain('database.sqlite_file');
    }

    // nothing touched: not dist/, not the console build, not the data directory (no log of a second instance either)
    expect(snapshot(join(ROOT, 'dist'))).toEqual(dist);
    expect(snapshot(join(ROOT, 'web', 'dist'))).toEqual(web);
    expect(
      Object.keys(snapshot(dir)).filter(
        (f) => !(f in data) && !f.startsWith(join('logs', 'first')) && !f.startsWith('out'),
      ),
    ).toEqual([]);
    expect(existsSync(join(dir, 'logs', 'second'))).toBe(false);
    // and the first instance carries on
    expect(first.alive).toBe(true);
    expect((await first.api('GET', '/api/health')).status).toBe(200);
    await first.login();
  }, 120_000);

  it('leaves no stale lock: after the holder is killed, the next start takes the database', async () => {
    const holder = started[0];
    holder.kill('SIGKILL');
    await holder.exited;
    const next = await ServiceProcess.start('next', dir, {});
    started.push(next);
    expect((await next.api('GET', '/api/health')).status).toBe(200);
    await next.login(); // the same database: the admin of the first start
  }, 60_000);
});
