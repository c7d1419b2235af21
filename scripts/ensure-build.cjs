// Admin scripts run from dist/. Rebuild first when the compiler is installed (a source checkout); in a production
// image without dev dependencies, use the dist/ that was built into it.
const { existsSync } = require('node:fs');
const { execSync } = require('node:child_process');
let tsc = null;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  /* no compiler: production install */
}
if (tsc) execSync(`node "${tsc}" -p tsconfig.build.json`, { stdio: 'inherit', cwd: __dirname + '/..' });
else if (!existsSync(__dirname + '/../dist/src/main.js')) {
  console.error('dist/ is missing and TypeScript is not installed: run `npm install && npm run build` first.');
  process.exit(1);
}
