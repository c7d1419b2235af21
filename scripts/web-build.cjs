// prestart: builds the admin console (web/dist) when its sources are newer than the last build; otherwise does
// nothing, so `npm start` stays quick. `--force` builds anyway.
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { execSync } = require('node:child_process');
const { run: install } = require('./web-install.cjs');

const web = join(__dirname, '..', 'web');

/** Newest modification time under the console's sources and build config. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), s.mtimeMs);
}

if (existsSync(join(web, 'package.json'))) {
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'tsconfig.json', 'package.json', 'package-lock.json']
    .map((p) => newest(join(web, p)))
    .reduce((a, b) => Math.max(a, b), 0);
  const built = newest(join(web, 'dist', 'index.html'));
  if (process.argv.includes('--force') || sources > built) {
    install();
    console.log('Building the admin console (web/)…');
    // NODE_ENV=test (jest) or development would make Vite bundle React's development build
    execSync('npm run build', { cwd: web, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  }
}
