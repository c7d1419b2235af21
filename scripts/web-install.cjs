// postinstall: installs the admin console's own dependencies (web/node_modules) when they are missing or older than
// web/package-lock.json, so `npm install` / `npm ci` in the root is the only install step. Quick when nothing changed.
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { execSync } = require('node:child_process');

const web = join(__dirname, '..', 'web');
const lock = join(web, 'package-lock.json');
const installed = join(web, 'node_modules', '.package-lock.json');

function run() {
  if (!existsSync(join(web, 'package.json'))) return; // an image or checkout without the console
  if (existsSync(installed) && existsSync(lock) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('Installing the admin console dependencies (web/)…');
  // --include=dev: the console is built from source (vite, typescript), even when the root omits dev dependencies
  execSync('npm ci --include=dev --no-audit --no-fund', { cwd: web, stdio: 'inherit' });
}

if (require.main === module) run();
module.exports = { run };
