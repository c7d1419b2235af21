import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The drills run the real service as child processes (`node dist/src/main.js`): compile it once before they start.
 * Brought up to date like `npm start` does (scripts/build-dist.cjs: only what changed, outputs of deleted sources
 * removed), never cleaned, so nothing else sees it missing.
 * FAULT_NO_BUILD=1 reuses an existing dist/ (re-running a drill while editing only the test).
 */
export default function buildOnce(): void {
  const root = join(__dirname, '..', '..', '..');
  if (process.env.FAULT_NO_BUILD === '1' && existsSync(join(root, 'dist', 'src', 'main.js'))) return;
  const started = Date.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const build = require(join(root, 'scripts', 'build-dist.cjs')) as { run(o?: object): string };
  const result = build.run({ log: () => undefined });
  process.stdout.write(`\nfault drills: dist/ ${result} in ${Date.now() - started} ms\n`);
}
