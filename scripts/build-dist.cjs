// Builds dist/ from the TypeScript sources, only as far as something changed (`npm start`, the admin scripts):
//  - nothing newer than the last good build (sources, tsconfig, lock file): no compiler run at all;
//  - otherwise an incremental compile (tsconfig.build.json keeps dist/.tsbuildinfo), which rewrites only what changed;
//  - every start, outputs whose source is gone are deleted, so a removed module can never be loaded from dist/.
// `--clean` (npm run build) deletes dist/ first and compiles everything.
const { existsSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const { execFileSync } = require('node:child_process');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
/** Written after a compile without errors: the newest input time (ms) that compile saw. */
const stamp = join(dist, '.build-ok');
const SOURCE_DIRS = ['src', 'scripts', 'migrations'];
const INPUTS = [...SOURCE_DIRS, 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** Newest modification time under a path (directories count too: deleting a file changes its directory). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), s.mtimeMs);
}

/** Deletes dist/<dir>/**.js(.map) whose .ts source no longer exists; returns what it deleted. */
function prune(base = root) {
  const out = join(base, 'dist');
  const removed = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
        continue;
      }
      const m = /^(.*)\.js(\.map)?$/.exec(name);
      if (!m) continue;
      const source = join(base, relative(out, dir), `${m[1]}.ts`);
      if (!existsSync(source)) {
        unlinkSync(path);
        removed.push(relative(base, path));
      }
    }
  };
  for (const d of SOURCE_DIRS) walk(join(out, d));
  return removed;
}

function compile(inputs) {
  const tsc = require.resolve('typescript/bin/tsc');
  if (existsSync(stamp)) unlinkSync(stamp);
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, `${inputs}\n`);
}

function stamped() {
  try {
    return Number(readFileSync(stamp, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** Brings dist/ up to date; returns 'compiled' or 'up to date'. Throws when the compiler reports errors. */
function run({ clean = false, log = console.log } = {}) {
  if (clean) rmSync(dist, { recursive: true, force: true });
  const inputs = INPUTS.map((p) => newest(join(root, p))).reduce((a, b) => Math.max(a, b), 0);
  const fresh = stamped() >= inputs && existsSync(join(dist, 'src', 'main.js'));
  const removed = prune();
  if (removed.length) log(`dist/: removed ${removed.length} output(s) of deleted sources (${removed.join(', ')})`);
  if (fresh) return 'up to date';
  const started = Date.now();
  log(`Compiling the changed sources into dist/…`);
  compile(inputs);
  log(`dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 'compiled';
}

if (require.main === module) {
  try {
    run({ clean: process.argv.includes('--clean') });
  } catch {
    // tsc printed the errors
    process.exit(1);
  }
}
module.exports = { run, prune };
