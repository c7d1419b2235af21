// `node bench/cpuprofile-summary.mjs file.cpuprofile [top]`: self time by function and by package/file of a
// V8 CPU profile (node --cpu-prof), and inclusive time of the service's own functions.
import { readFileSync } from 'node:fs';

// --skip=S: ignore the first S seconds of the profile (start-up)
const skipArg = process.argv.find((a) => a.startsWith('--skip='));
const skipUs = skipArg ? Number(skipArg.slice(7)) * 1e6 : 0;
const [file, topArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const top = Number(topArg ?? 30);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const dt = new Map();
let elapsed = 0;
for (let i = 0; i < prof.samples.length; i++) {
  const d = prof.timeDeltas[i] ?? 0;
  elapsed += d;
  if (elapsed < skipUs) continue;
  dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + d);
}
const total = [...dt.values()].reduce((a, b) => a + b, 0);
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const where = (cf) => {
  const u = cf.url || '';
  if (!u) return cf.functionName.startsWith('(') ? cf.functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (nm) return nm[1];
  if (u.startsWith('node:')) return u;
  const d = /\/dist\/(.*)$/.exec(u);
  return d ? d[1] : u;
};
const self = new Map();
const selfPkg = new Map();
for (const [id, t] of dt) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const k = `${cf.functionName || '(anonymous)'} ${where(cf)}:${cf.lineNumber + 1}`;
  self.set(k, (self.get(k) ?? 0) + t);
  const p = where(cf);
  selfPkg.set(p, (selfPkg.get(p) ?? 0) + t);
}
// inclusive time per function (counted once per sample stack)
const incl = new Map();
for (const [id, t] of dt) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const cf = byId.get(cur).callFrame;
    const k = `${cf.functionName || '(anonymous)'} ${where(cf)}:${cf.lineNumber + 1}`;
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + t);
  }
}
const pct = (t) => ((100 * t) / total).toFixed(1).padStart(5) + '%';
const show = (title, m, filter = () => true) => {
  console.log(`\n${title}`);
  for (const [k, t] of [...m]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    console.log(`${pct(t)}  ${k}`);
};
console.log(`total ${(total / 1e6).toFixed(2)} s sampled`);
show('self time by package / file', selfPkg);
show('self time by function', self);
show('inclusive time, the service (dist/src)', incl, (k) => / src\//.test(k));
show('inclusive time, everything', incl);
