import { Injectable } from '@nestjs/common';
import { Cron } from 'croner';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import NodeModule from 'node:module';
import { isAbsolute, join, relative, sep } from 'node:path';
import { EVENT_KINDS } from '../callback/events';
import { isPlainObject, LOCALIZED_KEYS, PluginConfigSchema } from './plugin-config';
import type { HandlerSpec, JobSpec, PluginDefinition, PluginManifest, Subscription } from './plugin.types';

export const PLUGIN_NAME = /^[A-Za-z][\w-]{0,99}$/;
export const SUBSCRIPTIONS: readonly Subscription[] = [...EVENT_KINDS, 'any', 'at'];
export const DEFAULT_PRIORITY = 50;
const MAX_INTERVAL_MS = 2_147_483_647;

/** A handler as the dispatcher runs it: validated, with its defaults applied. */
export interface PreparedHandler {
  plugin: string;
  name: string;
  /** Position in the plugin's `handlers` (ties in priority keep declaration order). */
  index: number;
  on: Subscription[];
  priority: number;
  includeSelf: boolean;
  handle: HandlerSpec['handle'];
}

export interface PreparedJob {
  plugin: string;
  name: string;
  cron: string | null;
  intervalMs: number | null;
  run: JobSpec['run'];
}

/** One folder of plugins_dir with a plugin.json, whatever became of it. */
export interface DiscoveredPlugin {
  /** The manifest's name, or the folder's when the manifest is unusable. */
  name: string;
  /** Absolute path of the folder. */
  directory: string;
  /** null when plugin.json could not be read or is invalid. */
  manifest: PluginManifest | null;
  configSchema: PluginConfigSchema;
  /** The manifest's `chatConfigSchema` compiled (a chat's section is checked with it); absent without one. */
  chatConfigSchema?: PluginConfigSchema | null;
  definition: PluginDefinition | null;
  handlers: PreparedHandler[];
  jobs: PreparedJob[];
  /** Why the plugin is not loaded (bad manifest, duplicate name, code that failed); null when it loaded. */
  error: string | null;
  /** Listed in [plugins].disabled_plugins: its manifest was read, its code was not. */
  skipped: boolean;
  /** Another folder claims the same name: neither is loaded. */
  duplicate: boolean;
}

export interface LoadOptions {
  /** plugins_dir, absolute. */
  dir: string;
  disabled: readonly string[];
  timezone: string;
  /** Bound on a factory export (an async function returning the definition). */
  timeoutMs: number;
}

/** Node's own loader, reached through Module rather than this file's `require` (see `requireFresh`). */
const nodeLoader = NodeModule as unknown as {
  _cache: Record<string, unknown>;
  _load(request: string, parent: null, isMain: boolean): unknown;
};

/**
 * Scans plugins_dir and loads every plugin in it. Nothing here throws for a plugin's sake: whatever is wrong with one
 * (manifest, duplicate name, entry file, syntax, export shape) is recorded on it, and the others load.
 */
@Injectable()
export class PluginLoader {
  async loadAll(o: LoadOptions): Promise<DiscoveredPlugin[]> {
    const found = this.scan(o.dir);
    markDuplicates(found);
    for (const p of found) {
      if (p.error || !p.manifest) continue;
      if (o.disabled.includes(p.name) || o.disabled.includes(folderName(p.directory))) {
        p.skipped = true;
        continue;
      }
      try {
        const entry = await this.requireEntry(p.directory, p.manifest, o.timeoutMs);
        Object.assign(p, prepareDefinition(p.name, entry, o.timezone));
      } catch (err) {
        p.error = describeError(err);
      }
    }
    return found;
  }

  /** The folders of `dir` that hold a plugin.json, each with its manifest read and checked. */
  scan(dir: string): DiscoveredPlugin[] {
    if (!existsSync(dir)) return [];
    const out: DiscoveredPlugin[] = [];
    const folders = readdirSync(dir)
      .filter((n) => !n.startsWith('.'))
      .sort();
    for (const folder of folders) {
      const directory = join(dir, folder);
      try {
        if (!statSync(directory).isDirectory() || !existsSync(join(directory, 'plugin.json'))) continue;
      } catch {
        continue; // a dangling symlink
      }
      const p: DiscoveredPlugin = {
        name: folder,
        directory,
        manifest: null,
        configSchema: PluginConfigSchema.none,
        definition: null,
        handlers: [],
        jobs: [],
        error: null,
        skipped: false,
        duplicate: false,
      };
      try {
        const { manifest, configSchema, chatConfigSchema } = readManifest(directory);
        Object.assign(p, { name: manifest.name, manifest, configSchema, chatConfigSchema });
      } catch (err) {
        p.error = `plugin.json: ${(err as Error).message}`;
      }
      out.push(p);
    }
    return out;
  }

  private async requireEntry(directory: string, manifest: PluginManifest, timeoutMs: number): Promise<unknown> {
    const main = manifest.main ?? 'index.js';
    const folder = realpathSync(directory);
    const file = join(folder, main);
    if (!existsSync(file)) throw new Error(`entry file ${main} does not exist`);
    const real = realpathSync(file);
    const rel = relative(folder, real);
    if (!rel || rel.startsWith('..') || isAbsolute(rel))
      throw new Error(`entry file ${main} is outside the plugin folder`);
    let exported = requireFresh(folder, real);
    if (isPlainObject(exported) && exported.__esModule === true && 'default' in exported) exported = exported.default;
    if (typeof exported === 'function')
      exported = await withTimeout(
        Promise.resolve().then(() => (exported as () => unknown)()),
        timeoutMs,
        `the exported function did not return a definition within ${timeoutMs} ms`,
      );
    return exported;
  }
}

/**
 * Loads `file` with Node's loader after dropping every module under `folder` from its cache, so a reload runs the
 * current code. Node's cache is reached through Module because a test runner may replace `require` (and its cache)
 * with its own, and the point is to purge the cache that actually loaded the plugin.
 */
function requireFresh(folder: string, file: string): unknown {
  for (const key of Object.keys(nodeLoader._cache))
    if (key === folder || key.startsWith(folder + sep)) delete nodeLoader._cache[key];
  return nodeLoader._load(file, null, false);
}

function readManifest(directory: string): {
  manifest: PluginManifest;
  configSchema: PluginConfigSchema;
  chatConfigSchema: PluginConfigSchema | null;
} {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(directory, 'plugin.json'), 'utf8'));
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (!isPlainObject(raw)) throw new Error('must be a JSON object');
  const problems: string[] = [];
  const str = (key: string, max: number, required: boolean) => {
    const v = raw[key];
    if (v === undefined && !required) return;
    if (typeof v !== 'string' || !v.trim()) problems.push(`${key} must be a non-empty string`);
    else if (v.length > max) problems.push(`${key} must be at most ${max} characters`);
  };
  if (typeof raw.name !== 'string' || !PLUGIN_NAME.test(raw.name))
    problems.push(`name must match ${PLUGIN_NAME.source} (letters, digits, _ and -, starting with a letter)`);
  str('version', 50, true);
  str('author', 100, false);
  str('description', 10_000, false);
  str('title', 200, false);
  for (const key of LOCALIZED_KEYS) str(key, key.startsWith('title') ? 200 : 10_000, false);
  str('main', 255, false);
  let configSchema = PluginConfigSchema.none;
  if (raw.configSchema !== undefined) {
    if (!isPlainObject(raw.configSchema)) problems.push('configSchema must be a JSON Schema object');
    else
      try {
        configSchema = PluginConfigSchema.compile(raw.configSchema);
      } catch (err) {
        problems.push(`configSchema is not a valid JSON Schema: ${(err as Error).message}`);
      }
  }
  let chatConfigSchema: PluginConfigSchema | null = null;
  if (raw.chatConfigSchema !== undefined) {
    const found = chatSchemaProblems(raw.chatConfigSchema, raw.configSchema);
    problems.push(...found);
    if (!found.length)
      try {
        chatConfigSchema = PluginConfigSchema.compile(closed(raw.chatConfigSchema as Record<string, unknown>), {
          defaults: false,
          what: 'chatConfigSchema',
        });
      } catch (err) {
        problems.push(`chatConfigSchema is not a valid JSON Schema: ${(err as Error).message}`);
      }
  }
  if (problems.length) throw new Error(problems.join('; '));
  const manifest: PluginManifest = { name: raw.name as string, version: raw.version as string };
  for (const key of ['author', 'description', 'main', 'title', ...LOCALIZED_KEYS] as const)
    if (typeof raw[key] === 'string') manifest[key] = raw[key];
  if (isPlainObject(raw.configSchema)) manifest.configSchema = raw.configSchema;
  if (chatConfigSchema) manifest.chatConfigSchema = raw.chatConfigSchema as Record<string, unknown>;
  return { manifest, configSchema, chatConfigSchema };
}

/**
 * What is wrong with a manifest's `chatConfigSchema`: it must be an object schema (`type: "object"`) with
 * `properties`, each of them a top-level property of `configSchema` (a chat's section replaces those keys).
 */
export function chatSchemaProblems(chat: unknown, config: unknown): string[] {
  if (!isPlainObject(chat)) return ['chatConfigSchema must be a JSON Schema object'];
  if (chat.type !== 'object') return ['chatConfigSchema must describe an object (type "object")'];
  if (!isPlainObject(chat.properties) || !Object.keys(chat.properties).length)
    return ['chatConfigSchema must list its keys in properties'];
  const known = isPlainObject(config) && isPlainObject(config.properties) ? config.properties : {};
  return Object.keys(chat.properties)
    .filter((k) => !Object.prototype.hasOwnProperty.call(known, k))
    .map((k) => `chatConfigSchema.properties.${k} is not a top-level property of configSchema`);
}

/** A chat's section takes only its schema's keys: additionalProperties false unless the schema says otherwise. */
function closed(schema: Record<string, unknown>): Record<string, unknown> {
  return schema.additionalProperties === undefined ? { ...schema, additionalProperties: false } : schema;
}

/**
 * Two folders claiming one name: neither loads, and both say why (first-come must not silently win). Names differing
 * only in case count as one: MySQL compares the plugins table's names without case.
 */
function markDuplicates(found: DiscoveredPlugin[]): void {
  const byName = new Map<string, DiscoveredPlugin[]>();
  for (const p of found) {
    const key = p.name.toLowerCase();
    if (p.manifest) byName.set(key, [...(byName.get(key) ?? []), p]);
  }
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    const where = group.map((p) => p.directory).join(' and ');
    for (const p of group)
      Object.assign(p, { duplicate: true, error: `duplicate plugin name "${p.name}" in ${where}` });
  }
}

/** Checks a plugin's export and applies the defaults; throws one Error listing every problem. */
export function prepareDefinition(
  plugin: string,
  exported: unknown,
  timezone: string,
): Pick<DiscoveredPlugin, 'definition' | 'handlers' | 'jobs'> {
  if (!isPlainObject(exported))
    throw new Error('the entry must export a plugin definition object, or a function returning one');
  const def = exported as PluginDefinition & Record<string, unknown>;
  const problems: string[] = [];
  const handlers: PreparedHandler[] = [];
  const jobs: PreparedJob[] = [];

  if (def.handlers !== undefined && !Array.isArray(def.handlers)) problems.push('handlers must be an array');
  (Array.isArray(def.handlers) ? (def.handlers as unknown[]) : []).forEach((h, index) => {
    const at = `handlers[${index}]`;
    if (!isPlainObject(h)) return problems.push(`${at} must be an object`);
    const on = typeof h.on === 'string' ? [h.on] : Array.isArray(h.on) ? (h.on as unknown[]) : [];
    if (!on.length) problems.push(`${at}.on must be an event kind, "any", "at", or a non-empty list of them`);
    const unknown = on.filter((s) => typeof s !== 'string' || !SUBSCRIPTIONS.includes(s as Subscription));
    if (unknown.length)
      problems.push(
        `${at}.on: ${unknown.map((s) => JSON.stringify(s)).join(', ')} is not an event kind, "any" or "at"`,
      );
    const priority = h.priority ?? DEFAULT_PRIORITY;
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 99)
      problems.push(`${at}.priority must be an integer from 0 to 99`);
    if (typeof h.handle !== 'function') problems.push(`${at}.handle must be a function`);
    if (h.includeSelf !== undefined && typeof h.includeSelf !== 'boolean')
      problems.push(`${at}.includeSelf must be a boolean`);
    if (h.name !== undefined && (typeof h.name !== 'string' || !h.name.trim() || h.name.length > 100))
      problems.push(`${at}.name must be a non-empty string of at most 100 characters`);
    const subs = [...new Set(on)] as Subscription[];
    handlers.push({
      plugin,
      name: typeof h.name === 'string' ? h.name : `${subs.join(',')}#${index}`,
      index,
      on: subs,
      priority: priority as number,
      includeSelf: h.includeSelf === true,
      handle: h.handle as HandlerSpec['handle'],
    });
  });

  if (def.jobs !== undefined && !Array.isArray(def.jobs)) problems.push('jobs must be an array');
  const jobNames = new Set<string>();
  (Array.isArray(def.jobs) ? (def.jobs as unknown[]) : []).forEach((j, index) => {
    const at = `jobs[${index}]`;
    if (!isPlainObject(j)) return problems.push(`${at} must be an object`);
    if (typeof j.name !== 'string' || !/^[\w.-]{1,100}$/.test(j.name))
      problems.push(`${at}.name must be 1-100 letters, digits, _ . or -`);
    else if (jobNames.has(j.name)) problems.push(`${at}.name "${j.name}" is used by another job`);
    else jobNames.add(j.name);
    const hasCron = j.cron !== undefined;
    const hasInterval = j.intervalMs !== undefined;
    if (hasCron === hasInterval) problems.push(`${at} needs exactly one of cron and intervalMs`);
    if (hasCron) {
      if (typeof j.cron !== 'string') problems.push(`${at}.cron must be a string`);
      else
        try {
          new Cron(j.cron, { timezone, mode: '5-or-6-parts' }).nextRun();
        } catch (err) {
          problems.push(`${at}.cron "${j.cron}" is invalid: ${(err as Error).message}`);
        }
    }
    if (
      hasInterval &&
      (typeof j.intervalMs !== 'number' ||
        !Number.isInteger(j.intervalMs) ||
        j.intervalMs < 1000 ||
        j.intervalMs > MAX_INTERVAL_MS)
    )
      problems.push(`${at}.intervalMs must be an integer from 1000 to ${MAX_INTERVAL_MS}`);
    if (typeof j.run !== 'function') problems.push(`${at}.run must be a function`);
    jobs.push({
      plugin,
      name: String(j.name),
      cron: hasCron ? (j.cron as string) : null,
      intervalMs: hasInterval ? (j.intervalMs as number) : null,
      run: j.run as JobSpec['run'],
    });
  });

  for (const hook of ['onLoad', 'onUnload', 'api'] as const)
    if (def[hook] !== undefined && typeof def[hook] !== 'function') problems.push(`${hook} must be a function`);
  if (problems.length) throw new Error(problems.join('; '));
  return { definition: def, handlers, jobs };
}

/**
 * An error as one line for an operator: a syntax error keeps the file and line it happened at. Duck-typed, since plugin
 * code may throw errors of another realm (or anything at all).
 */
export function describeError(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown; stack?: unknown } | null;
  if (typeof e !== 'object' || e === null || typeof e.message !== 'string') return String(err);
  const name = typeof e.name === 'string' ? e.name : 'Error';
  let text = ['TypeError', 'SyntaxError', 'ReferenceError', 'RangeError'].includes(name)
    ? `${name}: ${e.message}`
    : e.message;
  if (name === 'SyntaxError' && typeof e.stack === 'string') {
    const where = e.stack.split('\n')[0];
    if (/:\d+$/.test(where)) text += ` (${where})`;
  }
  return text;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  promise.catch(() => undefined); // a late failure after the timeout is nobody's business
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function folderName(directory: string): string {
  return directory.split(sep).filter(Boolean).pop() ?? directory;
}
