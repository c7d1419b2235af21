/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), checking what `promtool check metrics`
 * checks and what a Prometheus server refuses: HELP and TYPE lines (at most one each per family, before its samples),
 * metric and label name grammar, label value escapes, values, families that appear in one block, duplicate series,
 * counters named `_total` and not negative, histograms with `le` buckets in ascending order, cumulative counts, a
 * `+Inf` bucket equal to `_count`, and `_sum`/`_count` for every bucket series. Throws on the first problem, naming
 * the line.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

export class PromParseError extends Error {}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new PromParseError('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: string | null = null;
  const seenSeries = new Set<string>();
  const lines = text.slice(0, -1).split('\n');

  const open = (name: string, n: number): Family => {
    if (current !== name) {
      if (closed.has(name)) throw new PromParseError(`line ${n}: family ${name} appears in two separate blocks`);
      if (current !== null) closed.add(current);
      current = name;
    }
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', help: '', samples: [] }));
    return f;
  };
  const typed = new Set<string>();
  const helped = new Set<string>();

  lines.forEach((line, i) => {
    const n = i + 1;
    if (line === '') return; // empty lines are ignored by the format
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const [, keyword, name, rest = ''] = m;
      if (!METRIC_NAME.test(name)) throw new PromParseError(`line ${n}: invalid metric name "${name}"`);
      const f = open(name, n);
      if (f.samples.length) throw new PromParseError(`line ${n}: ${keyword} for ${name} after its samples`);
      if (keyword === 'HELP') {
        if (helped.has(name)) throw new PromParseError(`line ${n}: second HELP for ${name}`);
        helped.add(name);
        f.help = unescapeHelp(rest, n);
      } else {
        if (typed.has(name)) throw new PromParseError(`line ${n}: second TYPE for ${name}`);
        if (!TYPES.includes(rest as MetricType)) throw new PromParseError(`line ${n}: unknown type "${rest}"`);
        typed.add(name);
        f.type = rest as MetricType;
      }
      return;
    }
    const sample = parseSample(line, n);
    const family = familyOf(sample.name, families, current);
    const f = open(family, n);
    const key = `${sample.name}{${Object.entries(sample.labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}}`;
    if (seenSeries.has(key)) throw new PromParseError(`line ${n}: duplicate series ${key}`);
    seenSeries.add(key);
    f.samples.push(sample);
  });

  for (const f of families.values()) {
    if (!helped.has(f.name)) throw new PromParseError(`${f.name}: no HELP line`);
    if (!typed.has(f.name)) throw new PromParseError(`${f.name}: no TYPE line`);
    checkFamily(f);
  }
  return families;
}

/** The family a sample belongs to: itself, or the histogram/summary whose `_bucket`/`_sum`/`_count` it is. */
function familyOf(name: string, families: Map<string, Family>, current: string | null): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const f = families.get(base);
    if (f && (f.type === 'histogram' || f.type === 'summary') && (suffix !== '_bucket' || f.type === 'histogram'))
      return base;
  }
  if (current && families.get(current)?.type === 'summary' && name === current) return current;
  return name;
}

function parseSample(line: string, n: number): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)(?: (-?\d+))?$/.exec(line);
  if (!m) throw new PromParseError(`line ${n}: not a sample line: ${line}`);
  const [, name, labelText, valueText] = m;
  return { name, labels: labelText ? parseLabels(labelText, n) : {}, value: parseValue(valueText, n) };
}

function parseLabels(text: string, n: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  const end = text.length - 1; // the '}'
  while (i < end) {
    const nameMatch = /^[^=]*/.exec(text.slice(i))![0];
    if (!LABEL_NAME.test(nameMatch)) throw new PromParseError(`line ${n}: invalid label name "${nameMatch}"`);
    if (nameMatch.startsWith('__')) throw new PromParseError(`line ${n}: label ${nameMatch} is reserved`);
    if (nameMatch in labels) throw new PromParseError(`line ${n}: label ${nameMatch} given twice`);
    i += nameMatch.length;
    if (text[i] !== '=' || text[i + 1] !== '"') throw new PromParseError(`line ${n}: expected ="…" after ${nameMatch}`);
    i += 2;
    let value = '';
    for (;;) {
      if (i >= end) throw new PromParseError(`line ${n}: unterminated label value`);
      const c = text[i];
      if (c === '"') break;
      if (c === '\n') throw new PromParseError(`line ${n}: raw newline in a label value`);
      if (c === '\\') {
        const e = text[i + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else throw new PromParseError(`line ${n}: invalid escape \\${e} in a label value`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[nameMatch] = value;
    i++; // the closing quote
    if (text[i] === ',') i++;
    else if (i !== end) throw new PromParseError(`line ${n}: expected , or } after a label value`);
  }
  return labels;
}

function parseValue(text: string, n: number): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new PromParseError(`line ${n}: bad value "${text}"`);
  return Number(text);
}

function unescapeHelp(text: string, n: number): string {
  return text.replace(/\\(.?)/g, (_, e: string) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    throw new PromParseError(`line ${n}: invalid escape \\${e} in HELP`);
  });
}

function checkFamily(f: Family): void {
  if (f.type === 'counter') {
    if (!f.name.endsWith('_total')) throw new PromParseError(`counter ${f.name} should be named *_total`);
    for (const s of f.samples) {
      if (s.name !== f.name) throw new PromParseError(`counter ${f.name} has a sample named ${s.name}`);
      if (!(s.value >= 0)) throw new PromParseError(`counter ${f.name} has a negative or NaN value`);
    }
  }
  if (f.type === 'gauge')
    for (const s of f.samples)
      if (s.name !== f.name) throw new PromParseError(`gauge ${f.name} has a sample named ${s.name}`);
  if (f.type === 'histogram') checkHistogram(f);
}

function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: { le: number; value: number }[]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)));
    let entry = series.get(key);
    if (!entry) series.set(key, (entry = { buckets: [] }));
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new PromParseError(`histogram ${f.name}: a bucket without le`);
      const bound = parseValue(le, 0);
      if (Number.isNaN(bound)) throw new PromParseError(`histogram ${f.name}: le="${le}" is not a number`);
      entry.buckets.push({ le: bound, value: s.value });
    } else if (s.name === `${f.name}_sum`) entry.sum = s.value;
    else if (s.name === `${f.name}_count`) entry.count = s.value;
    else throw new PromParseError(`histogram ${f.name} has a sample named ${s.name}`);
    if (s.name !== `${f.name}_bucket` && le !== undefined)
      throw new PromParseError(`histogram ${f.name}: ${s.name} must not have le`);
  }
  for (const [key, e] of series) {
    const where = `histogram ${f.name} ${key}`;
    if (!e.buckets.length) throw new PromParseError(`${where}: no buckets`);
    for (let i = 1; i < e.buckets.length; i++) {
      if (!(e.buckets[i].le > e.buckets[i - 1].le)) throw new PromParseError(`${where}: le not ascending`);
      if (e.buckets[i].value < e.buckets[i - 1].value) throw new PromParseError(`${where}: bucket counts decrease`);
    }
    const last = e.buckets[e.buckets.length - 1];
    if (last.le !== Infinity) throw new PromParseError(`${where}: no +Inf bucket`);
    if (e.count === undefined || e.sum === undefined) throw new PromParseError(`${where}: _sum or _count missing`);
    if (e.count !== last.value) throw new PromParseError(`${where}: _count ${e.count} != +Inf bucket ${last.value}`);
  }
}

/** The value of one series (labels must match exactly those given, extra labels of the series allowed). */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families.values())
    for (const s of f.samples)
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
  return undefined;
}
