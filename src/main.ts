import 'reflect-metadata';
import { createApp } from './app.setup';
import { ConfigError, loadConfig, withResolvedSecret } from './config/app-config';
import { createRootLogger } from './logging/root-logger';

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
  const config = withResolvedSecret(loaded.config);
  const root = createRootLogger(config);
  const log = root.logger.child({ context: 'Bootstrap' });
  log.info({ configFile: loaded.source ?? '(none: embedded defaults)' }, 'Configuration loaded');
  for (const w of loaded.warnings) log.warn(w);

  const app = await createApp({ config, rootLogger: root, configSource: loaded.source, env: process.env });
  await app.listen(config.backend.port, config.backend.host);
  const host = ['0.0.0.0', '::'].includes(config.backend.host) ? 'localhost' : config.backend.host;
  const base = `http://${host}:${config.backend.port}`;
  log.info({ url: base, database: config.database.type, queue: config.queue.queue_type }, 'OpenGewe Backend is up');
  process.stdout.write(
    `\nOpenGewe Backend is listening on ${base}\n` +
      (config.backend.enable_docs ? `  API docs:  ${base}${config.backend.docs_url}\n` : '') +
      `  Health:    ${base}/api/health\n\n`,
  );
  const close = () => void root.close();
  process.once('beforeExit', close);
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(
    `OpenGewe Backend failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
