import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { isAbsolute, relative, resolve } from 'node:path';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { PluginKvStore } from './plugin-kv.store';
import { pluginLogger } from './plugin-logger';
import { PluginSettingsStore, SettingsSnapshot } from './plugin-settings.store';
import { describeError, DiscoveredPlugin, PluginLoader, PreparedHandler, withTimeout } from './plugin.loader';

/** A plugin as the registry holds it. */
export interface RegisteredPlugin extends DiscoveredPlugin {
  /** Its code loaded and its onLoad succeeded: its handlers and jobs may run. */
  loaded: boolean;
  /** The folder as shown and stored: relative to the working directory when inside it. */
  displayDirectory: string;
  /** Manifest valid and the name unique: the plugin can have a row, settings and config. */
  manageable: boolean;
}

export type RegistryEvent = 'unloading' | 'loaded';

export interface ReloadSummary {
  loaded: string[];
  failed: { name: string; directory: string; error: string }[];
}

/**
 * The plugins of plugins_dir: discovered at start-up, loaded again by reload(). Each plugin keeps what became of it
 * (its manifest, definition, handlers and jobs, or the error that kept it from loading); the plugins table gets a row
 * for each newly seen plugin. Load and reload never throw for a plugin's sake.
 */
@Injectable()
export class PluginRegistry implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PluginRegistry.name);
  private plugins: RegisteredPlugin[] = [];
  private byName = new Map<string, RegisteredPlugin>();
  /** Handlers of the loaded plugins, computed once per load. */
  private allHandlers: PreparedHandler[] = [];
  /** The (re)load in progress, if any; dispatches wait for it rather than see a half-loaded set. */
  private loading: Promise<ReloadSummary> | null = null;
  private readonly listeners = new Set<(e: RegistryEvent) => void>();
  private destroyed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly loader: PluginLoader,
    private readonly settings: PluginSettingsStore,
    private readonly kv: PluginKvStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loading?.catch(() => undefined);
    this.destroyed = true;
    await this.unloadAll();
  }

  list(): readonly RegisteredPlugin[] {
    return this.plugins;
  }

  /** The plugin of that name (for a duplicated name, the first of them, which carries the error). */
  get(name: string): RegisteredPlugin | undefined {
    return this.byName.get(name);
  }

  handlers(): readonly PreparedHandler[] {
    return this.allHandlers;
  }

  /** Resolves once no (re)load is in progress. */
  async ready(): Promise<void> {
    while (this.loading) await this.loading.catch(() => undefined);
  }

  onChange(listener: (e: RegistryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Unloads every plugin (onUnload), scans plugins_dir again and loads what is there. Calls never overlap. */
  reload(): Promise<ReloadSummary> {
    const previous = this.loading ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() => this.doReload())
      .finally(() => {
        if (this.loading === run) this.loading = null;
      });
    this.loading = run;
    return run;
  }

  private async doReload(): Promise<ReloadSummary> {
    if (this.destroyed) return { loaded: [], failed: [] };
    await this.unloadAll();
    const cfg = this.config.plugins;
    const dir = resolve(process.cwd(), cfg.plugins_dir);
    const found = await this.loader.loadAll({
      dir,
      disabled: cfg.disabled_plugins,
      timezone: cfg.timezone,
      timeoutMs: cfg.handler_timeout,
    });
    if (!found.length) this.logger.warn({ dir }, 'No plugins found in plugins_dir');

    const plugins: RegisteredPlugin[] = found.map((p) => ({
      ...p,
      loaded: !p.error && !p.skipped && p.definition !== null,
      displayDirectory: displayDirectory(p.directory),
      manageable: p.manifest !== null && !p.duplicate,
    }));
    await this.seedRows(plugins);
    const snapshot = await this.settings.snapshot().catch((err: unknown) => {
      this.logger.error({ err }, 'Could not read plugin settings; plugins start with their default config');
      return new SettingsSnapshot(new Map(), new Map());
    });
    for (const p of plugins) if (p.loaded) await this.callOnLoad(p, snapshot);

    this.plugins = plugins;
    this.byName = new Map();
    for (const p of plugins) if (!this.byName.has(p.name)) this.byName.set(p.name, p);
    this.allHandlers = plugins.filter((p) => p.loaded).flatMap((p) => p.handlers);

    const summary: ReloadSummary = {
      loaded: plugins.filter((p) => p.loaded).map((p) => p.name),
      failed: plugins
        .filter((p) => p.error)
        .map((p) => ({ name: p.name, directory: p.displayDirectory, error: p.error as string })),
    };
    for (const f of summary.failed) this.logger.error(f, 'Plugin failed to load');
    const skipped = plugins.filter((p) => p.skipped).map((p) => p.name);
    this.logger.log({ dir, loaded: summary.loaded, failed: summary.failed.length, skipped }, 'Plugins loaded');
    this.emit('loaded');
    return summary;
  }

  /** The effective config of a plugin (stored over its schema's defaults). */
  effectiveConfig(p: DiscoveredPlugin, snapshot: SettingsSnapshot): Record<string, unknown> {
    return p.configSchema.effective(snapshot.plugins.get(p.name)?.config ?? null).config;
  }

  private async seedRows(plugins: RegisteredPlugin[]): Promise<void> {
    const enabled = this.config.plugins.enabled_plugins;
    for (const p of plugins) {
      if (!p.manageable || !p.manifest) continue;
      try {
        await this.settings.seed(rowInfo(p), enabled.includes(p.name));
      } catch (err) {
        this.logger.error({ err, plugin: p.name }, 'Could not record the plugin in the plugins table');
      }
    }
  }

  private async callOnLoad(p: RegisteredPlugin, snapshot: SettingsSnapshot): Promise<void> {
    const def = p.definition;
    if (!def?.onLoad) return;
    const ms = this.config.plugins.handler_timeout;
    try {
      const ctx = {
        config: this.effectiveConfig(p, snapshot),
        log: pluginLogger(p.name, {}),
        store: this.kv.forPlugin(p.name),
      };
      await withTimeout(
        Promise.resolve().then(() => def.onLoad?.(ctx)),
        ms,
        `did not finish within ${ms} ms`,
      );
    } catch (err) {
      p.loaded = false;
      p.error = `onLoad failed: ${describeError(err)}`;
    }
  }

  private async unloadAll(): Promise<void> {
    const loaded = this.plugins.filter((p) => p.loaded);
    if (!loaded.length) return;
    this.emit('unloading');
    this.allHandlers = [];
    const ms = this.config.plugins.handler_timeout;
    for (const p of loaded) {
      p.loaded = false;
      const def = p.definition;
      if (!def?.onUnload) continue;
      try {
        await withTimeout(
          Promise.resolve().then(() => def.onUnload?.()),
          ms,
          `did not finish within ${ms} ms`,
        );
      } catch (err) {
        this.logger.warn({ plugin: p.name, error: describeError(err) }, 'Plugin onUnload failed');
      }
    }
  }

  private emit(e: RegistryEvent): void {
    for (const l of this.listeners)
      try {
        l(e);
      } catch (err) {
        this.logger.error({ err, event: e }, 'Plugin registry listener failed');
      }
  }
}

export function rowInfo(p: DiscoveredPlugin & { displayDirectory: string }) {
  return {
    name: p.name,
    directory: p.displayDirectory.slice(0, 255),
    version: p.manifest?.version ?? null,
    author: p.manifest?.author?.slice(0, 100) ?? null,
    description: p.manifest?.description ?? null,
  };
}

function displayDirectory(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}
