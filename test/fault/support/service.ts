import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { sleep, waitFor } from '../../support/wait';

export const ROOT = join(__dirname, '..', '..', '..');
export const MAIN = join(ROOT, 'dist', 'src', 'main.js');
export const SECRET = 'fault-drill-secret-key-0123456789abcdefghijklmnop';
export const ADMIN = { username: 'admin', password: 'fault-admin-pass-1' };

/** `{ section: { key: value } }`, turned into OPENGEWE__SECTION__KEY variables. */
export type Settings = Record<string, Record<string, string | number | boolean | readonly string[]>>;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The real service (`node dist/src/main.js`) in a child process, configured only through OPENGEWE__ variables. */
export class ServiceProcess {
  readonly url: string;
  readonly exited: Promise<Exit>;
  exit: Exit | null = null;
  private readonly proc: ChildProcess;

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
    settings: Settings,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OPENGEWE')) env[k] = v;
    Object.assign(env, toEnv(settings), {
      OPENGEWE_ADMIN_USERNAME: ADMIN.username,
      OPENGEWE_ADMIN_PASSWORD: ADMIN.password,
      NODE_ENV: 'test',
    });
    mkdirSync(join(dir, 'out'), { recursive: true });
    const out = createWriteStream(join(dir, 'out', `${name}.out`), { flags: 'a' });
    // cwd: a directory without config/main_config.toml, so only these settings apply
    this.proc = spawn(process.execPath, [MAIN], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.pipe(out, { end: false });
    this.proc.stderr!.pipe(out, { end: false });
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  /**
   * Starts the service with `settings` over the drill defaults (SQLite in `dir`, logs in `dir/logs/<name>`, no docs,
   * fast password hashing) and waits until /api/health answers 200.
   */
  static async start(name: string, dir: string, settings: Settings, port?: number): Promise<ServiceProcess> {
    const p = port ?? (await freePort());
    const s = new ServiceProcess(name, p, dir, merge(drillSettings(name, dir, p), settings));
    try {
      // a guard against a service that never comes up, generous for a machine whose cores are busy
      await s.waitHealthy(120_000);
    } catch (err) {
      s.kill('SIGKILL');
      throw err;
    }
    return s;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.proc.kill(signal);
  }

  /** Kills the process (SIGKILL) unless it already exited. */
  async stop(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exit)
        throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}) while starting:\n${this.output()}`);
      try {
        const res = await fetch(`${this.url}/api/health`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`${this.name} not healthy after ${timeoutMs} ms:\n${this.output()}`);
      await sleep(100);
    }
  }

  /**
   * Waits until the queue holds nothing (waiting, being handled, or waiting for a retry): from then on no callback
   * can reach a plugin again, so what the drill reads next is final. Used instead of sleeping "long enough".
   */
  async waitQueueIdle(token: string, timeoutMs = 120_000): Promise<void> {
    await waitFor(
      async () => {
        const q = await this.api<{ waiting: number; active: number; delayed: number }>('GET', '/api/queue', token);
        return q.status === 200 && q.body.waiting + q.body.active + q.body.delayed === 0;
      },
      timeoutMs,
      `${this.name}: the queue empty`,
    );
  }

  /** What the process wrote on stdout and stderr (the tail). */
  output(max = 4000): string {
    try {
      return readFileSync(join(this.dir, 'out', `${this.name}.out`), 'utf8').slice(-max);
    } catch {
      return '';
    }
  }

  /** The service's JSON log lines (its log file), parsed. */
  logLines(): Record<string, unknown>[] {
    let text: string;
    try {
      text = readFileSync(join(this.dir, 'logs', this.name, 'opengewe.log'), 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
  }

  async api<T = unknown>(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T };
  }

  async login(): Promise<string> {
    const res = await this.api<{ accessToken: string }>('POST', '/api/auth/login', undefined, ADMIN);
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.accessToken;
  }

  /** Creates a robot without asking Gewe (`verify=false`) and returns it with its webhook key. */
  async createRobot(token: string, appId: string): Promise<{ id: number; appId: string; key: string }> {
    const res = await this.api<{ id: number; callbackUrl: string }>('POST', '/api/robots?verify=false', token, {
      name: `robot-${appId}`,
      baseUrl: 'http://127.0.0.1:1/v2/api',
      token: `gewe-token-${appId}`,
      appId,
    });
    if (res.status !== 201) throw new Error(`robot not created: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.id, appId, key: new URL(res.body.callbackUrl).searchParams.get('key')! };
  }
}

/** The drill defaults: SQLite in `dir`, logs in `dir/logs/<name>`, no docs, fast password hashing. */
export function drillSettings(name: string, dir: string, port: number): Settings {
  return {
    backend: {
      host: '127.0.0.1',
      port,
      secret_key: SECRET,
      data_dir: dir,
      password_hash_rounds: 4,
      enable_docs: false,
    },
    database: { type: 'sqlite', sqlite_file: join(dir, 'opengewe.db') },
    logging: { path: join(dir, 'logs', name), stdout: false, level: 'info', compression: 'none' },
    plugins: { plugins_dir: join(dir, 'plugins'), enabled_plugins: [] },
    gewe: { health_check_interval: '1h' },
  };
}

export function toEnv(settings: Settings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [section, values] of Object.entries(settings))
    for (const [key, value] of Object.entries(values))
      env[`OPENGEWE__${section.toUpperCase()}__${key.toUpperCase()}`] = Array.isArray(value)
        ? JSON.stringify(value)
        : String(value);
  return env;
}

export function merge(a: Settings, b: Settings): Settings {
  const out: Settings = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = { ...(a[k] ?? {}), ...v };
  return out;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Waits for a process exit, at most `ms`; null when it is still running. */
export async function exitWithin(s: ServiceProcess, ms: number): Promise<Exit | null> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    s.exited,
    new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ms);
    }),
  ]);
  clearTimeout(timer);
  return r;
}
