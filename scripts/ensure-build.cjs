// Admin scripts run from dist/. Bring it up to date first when the compiler is installed (a source checkout: only what
// changed is compiled, see build-dist.cjs); in a production image without dev dependencies, use the dist/ that was
// built into it.
const { existsSync } = require('node:fs');
let tsc = null;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  /* no compiler: production install */
}
if (tsc) {
  try {
    require('./build-dist.cjs').run();
  } catch {
    process.exit(1); // tsc printed the errors
  }
} else if (!existsSync(__dirname + '/../dist/src/main.js')) {
  console.error('dist/ is missing and TypeScript is not installed: run `npm install && npm run build` first.');
  process.exit(1);
}
