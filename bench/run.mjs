// `npm run bench` (builds first) or `node bench/run.mjs [startup] [accept] [e2e] …` on an existing build.
// Runs every benchmark against the built service (dist/src/main.js) as separate processes on this machine, prints a
// markdown report and writes it, with the raw numbers, to bench/out/ (git-ignored). See bench/README.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, machine, removeTempDirs, tempDir } from './lib.mjs';
import { runStartup } from './startup.mjs';
import { runAccept } from './accept.mjs';
import { runEndToEnd } from './e2e.mjs';

const ALL = ['startup', 'accept', 'e2e'];
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sections = args.length ? args : ALL;
for (const s of sections) if (!ALL.includes(s)) throw new Error(`unknown section ${s} (use ${ALL.join(', ')})`);
const quick = process.argv.includes('--quick');

let commit = 'unknown';
try {
  const git = (...a) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  commit = git('rev-parse', '--short', 'HEAD').trim();
  const dirty = git('status', '--porcelain', '--', 'src').trim();
  if (dirty) commit += ' (+ uncommitted changes in src/)';
} catch {
  /* not a git checkout */
}

const report = {
  command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  startedAt: new Date().toISOString(),
  commit,
  machine: machine(),
  sections: {},
};
const md = [];
const log = (line) => {
  process.stderr.write(line + '\n');
};

md.push(`# Benchmark run ${report.startedAt}`, '');
md.push(`Command: \`${report.command}\` — commit ${commit}`, '');
const m = report.machine;
md.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}`, '');
md.push(
  `Load average at the start: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}. ` +
    'Everything (service, load generator, Redis, fake Gewe) shares these cores; the "other processes" columns say ' +
    'how much CPU the rest of the machine took during each measurement.',
  '',
);

const work = tempDir('run');
log(`work dir ${work}`);
for (const s of sections) {
  log(`\n=== ${s} ===`);
  const started = Date.now();
  const fn = { startup: runStartup, accept: runAccept, e2e: runEndToEnd }[s];
  const { data, markdown } = await fn({ work, log, quick });
  report.sections[s] = data;
  md.push(...markdown, '');
  log(`(${s}: ${Math.round((Date.now() - started) / 1000)} s)`);
}

const outDir = join(ROOT, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const stamp = report.startedAt.replace(/[:.]/g, '-');
writeFileSync(join(outDir, `report-${stamp}.json`), JSON.stringify(report, null, 2));
writeFileSync(join(outDir, `report-${stamp}.md`), md.join('\n'));
writeFileSync(join(outDir, 'latest.md'), md.join('\n'));
writeFileSync(join(outDir, 'latest.json'), JSON.stringify(report, null, 2));
process.stdout.write(md.join('\n') + '\n');
log(`\nwritten to bench/out/report-${stamp}.{md,json}`);
if (process.argv.includes('--keep')) log(`temp dirs kept under ${work} and its siblings og-bench-*`);
else removeTempDirs();
