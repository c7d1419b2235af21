import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The drills run the real service as child processes (`node dist/src/main.js`): compile it once before they start.
 * Compiled over the existing dist/ (no clean), like scripts/ensure-build.cjs, so nothing else sees it missing.
 * FAULT_NO_BUILD=1 reuses an existing dist/ (re-running a drill while editing only the test).
 */
export default function buildOnce(): void {
  const root = join(__dirname, '..', '..', '..');
  if (process.env.FAULT_NO_BUILD === '1' && existsSync(join(root, 'dist', 'src', 'main.js'))) return;
  const started = Date.now();
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  process.stdout.write(`\nfault drills: dist/ built in ${Date.now() - started} ms\n`);
}
