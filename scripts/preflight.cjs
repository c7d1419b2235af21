// prestart, before anything else (before the console or dist/ is built): refuses a start that cannot work, at once and
// touching nothing — the HTTP port is taken, or the SQLite database is held by a running instance. The service checks
// the same again itself at boot (src/startup-guard.ts), with the full configuration; this plain-JS copy exists because
// it must run before the TypeScript sources are compiled. It reads only what it needs (the config file or
// OPENGEWE_CONFIG, and OPENGEWE__ overrides); anything it cannot read is left for the service to report.
const { existsSync, readFileSync } = require('node:fs');
const { hostname } = require('node:os');
const { resolve } = require('node:path');
const { createServer } = require('node:net');

/** The defaults of the keys read here, as in src/config/config-schema.ts (a unit spec checks they agree). */
const DEFAULTS = {
  backend: { host: '0.0.0.0', port: 5433 },
  database: { type: 'sqlite', sqlite_file: './data/opengewe.db' },
  queue: { queue_type: 'simple' },
};

/** The few settings the checks need, from the file and the environment; null when they cannot be read. */
function readSettings(env = process.env) {
  const out = JSON.parse(JSON.stringify(DEFAULTS));
  const path = resolve(env.OPENGEWE_CONFIG || 'config/main_config.toml');
  if (existsSync(path)) {
    let file;
    try {
      file = require('smol-toml').parse(readFileSync(path, 'utf8'));
    } catch {
      return null; // the service names the line and column
    }
    for (const [section, keys] of Object.entries(DEFAULTS))
      for (const key of Object.keys(keys))
        if (file[section]?.[key] !== undefined) out[section][key] = file[section][key];
  }
  for (const [section, keys] of Object.entries(DEFAULTS))
    for (const key of Object.keys(keys)) {
      const v = env[`OPENGEWE__${section.toUpperCase()}__${key.toUpperCase()}`];
      if (v !== undefined) out[section][key] = typeof DEFAULTS[section][key] === 'number' ? Number(v) : v.trim();
    }
  const port = out.backend.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535 || typeof out.backend.host !== 'string') return null;
  return out;
}

function portProblem(host, port) {
  return new Promise((done) => {
    const server = createServer();
    server.unref();
    server.once('error', (err) => done(err.code || err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => done(null)));
  });
}

/** The holder of the database's lock ({pid, host, port, startedAt} or {} when unknown), or null when it is free. */
function lockHolder(sqliteFile) {
  const lockFile = `${sqliteFile}.lock`;
  if (!existsSync(lockFile)) return null;
  const Database = require('better-sqlite3');
  const db = new Database(lockFile, { timeout: 0 });
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return null;
  } catch (err) {
    if (err.code !== 'SQLITE_BUSY') return null;
    try {
      return db.prepare('SELECT pid, host, port, started_at AS startedAt FROM holder WHERE id = 1').get() || {};
    } catch {
      return {};
    }
  } finally {
    db.close();
  }
}

/** Null when the start may go on, else the message to print. */
async function check(env = process.env) {
  const s = readSettings(env);
  if (!s) return null;
  const { host, port } = s.backend;
  const file =
    s.database.type === 'sqlite' && s.database.sqlite_file !== ':memory:' ? resolve(s.database.sqlite_file) : null;
  const busy = await portProblem(host, port);
  if (busy === 'EADDRINUSE') {
    const h = file ? lockHolder(file) : null;
    const who = h && h.port === port ? ` by OpenGewe Backend pid ${h.pid} (database ${file})` : '';
    return (
      `port ${port} on ${host} is already in use${who || ' (another OpenGewe Backend already running?)'}.\n` +
      `  Stop the program listening there first${who ? '' : ` (\`ss -ltnp\` or \`lsof -i :${port}\` shows it)`}, ` +
      'or set backend.port in the config file or OPENGEWE__BACKEND__PORT to a free port.'
    );
  }
  if (busy) return null; // EACCES and the like: the service explains them
  const h = file ? lockHolder(file) : null;
  if (h)
    return (
      `the SQLite database ${file} is in use by another OpenGewe Backend` +
      (h.pid
        ? ` (pid ${h.pid}${h.host !== hostname() ? ` on host ${h.host}` : ''}, port ${h.port}, since ${h.startedAt})`
        : '') +
      '.\n  Two instances on one SQLite file would handle every callback twice and overwrite each other.' +
      `\n  Stop the other one first${h.pid ? ` (kill ${h.pid})` : ''}, or give this one its own database.sqlite_file` +
      ' (OPENGEWE__DATABASE__SQLITE_FILE).'
    );
  return null;
}

if (require.main === module) {
  check().then(
    (problem) => {
      if (!problem) return;
      process.stderr.write(`OpenGewe Backend cannot start: ${problem}\nNothing was changed.\n`);
      process.exit(1);
    },
    () => undefined, // a check that fails itself never blocks the start: the service checks again
  );
}
module.exports = { check, readSettings, DEFAULTS };
