// The plugins of the end-to-end benchmark, written into a temp plugins dir: BenchProbe (the no-op plugin that
// timestamps each event), a copy of ExamplePlugin, and eight filler plugins (loaded and enabled, each with a config
// schema, a job and handlers for kinds the benchmark does not send) so that 10 plugins are loaded.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

/**
 * BenchProbe: priority 99 (after every other handler), `any` kind, own messages included. It only notes
 * `<NewMsgId> <epoch ms, µs precision>` in memory and appends the lines to $BENCH_PROBE_FILE every 50 ms, so the
 * handler itself costs next to nothing.
 */
const PROBE = `'use strict';
const { appendFile } = require('node:fs');
const file = process.env.BENCH_PROBE_FILE;
let lines = [];
let timer = null;
const flush = () => {
  if (!lines.length || !file) return;
  const chunk = lines.join('\\n') + '\\n';
  lines = [];
  appendFile(file, chunk, () => undefined);
};
module.exports = {
  handlers: [
    {
      name: 'probe',
      on: 'any',
      priority: 99,
      includeSelf: true,
      handle(ctx) {
        lines.push(ctx.event.newMsgId + ' ' + (performance.timeOrigin + performance.now()).toFixed(3));
      },
    },
  ],
  onLoad() {
    timer = setInterval(flush, 50);
    timer.unref();
  },
  onUnload() {
    clearInterval(timer);
    flush();
  },
};
`;

const FILLER_KINDS = ['image', 'voice', 'video', 'emoji', 'link', 'file', 'revoke', 'friend_request'];

const filler = (kind) => `'use strict';
module.exports = {
  handlers: [
    { on: '${kind}', async handle(ctx) { ctx.log.debug('seen', { kind: ctx.event.kind }); } },
    { on: 'at', priority: 60, handle() {} },
  ],
  jobs: [{ name: 'tick', intervalMs: 3600000, async run() {} }],
};
`;

export const FILLERS = FILLER_KINDS.map((k, i) => `Filler${String(i + 1).padStart(2, '0')}`);

export function writePlugins(dir) {
  mkdirSync(dir, { recursive: true });
  const put = (name, code, manifest = {}) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'index.js'), code);
    writeFileSync(join(dir, name, 'plugin.json'), JSON.stringify({ name, version: '1.0.0', ...manifest }, null, 2));
  };
  put('BenchProbe', PROBE, { description: 'Benchmark probe: timestamps every event' });
  FILLER_KINDS.forEach((kind, i) =>
    put(FILLERS[i], filler(kind), {
      description: `Benchmark filler (${kind})`,
      configSchema: {
        type: 'object',
        properties: { greeting: { type: 'string', default: 'hello' }, limit: { type: 'integer', default: 10 } },
        additionalProperties: false,
      },
    }),
  );
  cpSync(join(ROOT, 'plugins', 'ExamplePlugin'), join(dir, 'ExamplePlugin'), { recursive: true });
  return ['BenchProbe', ...FILLERS, 'ExamplePlugin'];
}
