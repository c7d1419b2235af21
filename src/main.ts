import 'reflect-metadata';
import { ConfigError, loadConfig, withResolvedSecret } from './config/app-config';
import { createRootLogger } from './logging/root-logger';
import { portProblemMessage } from './net/port-check';
import { guardStartup, StartupGuard, StartupRefused } from './startup-guard';

/** Ends the process at once, before any work, with what is wrong and what to do. */
function refuse(message: string, untouched = true): never {
  process.stderr.write(`OpenGewe Backend cannot start: ${message}\n${untouched ? 'Nothing was changed.\n' : ''}`);
  process.exit(1);
}

async function bootstrap(): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`OpenGewe Backend cannot start.\n${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // Before anything else: a free port, and a database no other instance uses.
  let guard: StartupGuard;
  try {
    guard = await guardStartup(loaded.config);
  } catch (err) {
    if (err instanceof StartupRefused) refuse(err.message);
    throw err;
  }
  const config = withResolvedSecret(loaded.config);
  const root = createRootLogger(config);
  const log = root.logger.child({ context: 'Bootstrap' });
  log.info({ configFile: loaded.source ?? '(none: embedded defaults)' }, 'Configuration loaded');
  for (const w of loaded.warnings) log.warn(w);
  for (const w of guard.warnings) log.error(w);
  if (guard.lock) log.info({ lockFile: `${guard.lock.file}.lock` }, 'SQLite database locked for this instance');
  // A plugin can leave a promise rejected with nobody listening (work it started and never awaited). Node would end
  // the process for it, and every handler in flight with it: log it and go on. An uncaught exception still ends it.
  process.on('unhandledRejection', (reason) => {
    log.error(
      reason instanceof Error ? { err: reason } : { reason: String(reason) },
      'Unhandled promise rejection (ignored)',
    );
  });

  // Loaded only now: the application's modules take seconds to load, and a refused start should not wait for them.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createApp } = require('./app.setup') as typeof import('./app.setup');
  const app = await createApp({ config, rootLogger: root, configSource: loaded.source, env: process.env });
  try {
    await app.listen(config.backend.port, config.backend.host);
  } catch (err) {
    // taken in the moment since the check at the start
    const code = (err as NodeJS.ErrnoException).code;
    if (!code) throw err;
    await app.close().catch(() => undefined);
    refuse(portProblemMessage(config.backend.host, config.backend.port, code), false);
  }
  const host = ['0.0.0.0', '::'].includes(config.backend.host) ? 'localhost' : config.backend.host;
  const base = `http://${host}:${config.backend.port}`;
  log.info({ url: base, database: config.database.type, queue: config.queue.queue_type }, 'OpenGewe Backend is up');
  process.stdout.write(
    `\nOpenGewe Backend is listening on ${base}\n` +
      `  Console:   ${base}/\n` +
      (config.backend.enable_docs ? `  API docs:  ${base}${config.backend.docs_url}\n` : '') +
      `  Health:    ${base}/api/health\n\n`,
  );
  const close = () => void root.close();
  process.once('beforeExit', close);

  // On SIGTERM/SIGINT Nest runs the shutdown hooks (enabled in app.setup.ts: the queue drains the jobs in flight),
  // then re-raises the signal, which would end the process by the signal. With this listener in place the re-raised
  // signal is ignored: the process ends with code 0 once everything is closed and the log flushed.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'Shutting down: finishing the work in flight');
    app.close().then(
      () => root.close().finally(() => process.exit(0)),
      (err: unknown) => {
        log.error({ err }, 'Shutdown failed');
        return root.close().finally(() => process.exit(1));
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(
    `OpenGewe Backend failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
