import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { PluginRobotSettingEntity } from './plugin-robot-setting.entity';
import { PluginEntity } from './plugin.entity';

/** What the database says of one plugin. */
export interface PluginSettings {
  name: string;
  enabled: boolean;
  disabledReason: string | null;
  /** JSON text as stored. */
  config: string | null;
}

/** The whole plugin state at one moment: flags, configs, per-robot overrides. */
export class SettingsSnapshot {
  constructor(
    readonly plugins: ReadonlyMap<string, PluginSettings>,
    /** plugin → robot id → enabled */
    readonly overrides: ReadonlyMap<string, ReadonlyMap<number, boolean>>,
  ) {}

  /**
   * Whether `plugin` runs for `robotId`: the robot's override, else the global flag. A plugin disabled automatically
   * (it kept failing) is off for every robot until an operator enables it again.
   */
  enabledFor(plugin: string, robotId: number, _chatId?: string | null): boolean {
    const row = this.plugins.get(plugin);
    if (!row || row.disabledReason) return false;
    return this.overrides.get(plugin)?.get(robotId) ?? row.enabled;
  }

  override(plugin: string, robotId: number): boolean | null {
    return this.overrides.get(plugin)?.get(robotId) ?? null;
  }

  /** Enabled globally or for at least one robot (and not disabled automatically). */
  activeAnywhere(plugin: string): boolean {
    const row = this.plugins.get(plugin);
    if (!row || row.disabledReason) return false;
    return row.enabled || [...(this.overrides.get(plugin)?.values() ?? [])].some(Boolean);
  }
}

export interface PluginRowInfo {
  name: string;
  directory: string;
  version: string | null;
  author: string | null;
  description: string | null;
}

/**
 * The plugins and plugin_robot_settings tables behind a small cache: every dispatch needs the flags, so they are read
 * at most once per `ttlMs` (2 s). A change made here clears the cache at once; other instances see it when their
 * cache expires.
 */
@Injectable()
export class PluginSettingsStore {
  ttlMs = 2000;
  /** The clock (replaceable in tests). */
  clock: () => number = () => Date.now();
  private cached: { at: number; value: Promise<SettingsSnapshot> } | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    @InjectRepository(PluginEntity) private readonly plugins: Repository<PluginEntity>,
    @InjectRepository(PluginRobotSettingEntity) private readonly overrides: Repository<PluginRobotSettingEntity>,
  ) {}

  snapshot(): Promise<SettingsSnapshot> {
    const now = this.clock();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.value;
    const value = this.read();
    this.cached = { at: now, value };
    // a failed read is not cached
    value.catch(() => {
      if (this.cached?.value === value) this.cached = null;
    });
    return value;
  }

  /** How many plugins are registered, and how many of them are enabled (for the system status). */
  async counts(): Promise<{ total: number; enabled: number }> {
    const [total, enabled] = await Promise.all([
      this.plugins.count(),
      this.plugins.count({ where: { enabled: true } }),
    ]);
    return { total, enabled };
  }

  invalidate(): void {
    this.cached = null;
  }

  /** Called after every change made through this store (enable, disable, config, override). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Records a discovered plugin: a new one gets a row (enabled when listed in enabled_plugins); an existing one only
   * has its version, author, description and directory refreshed, keeping its flag and config.
   */
  async seed(info: PluginRowInfo, enabledOnDiscovery: boolean): Promise<void> {
    const existing = await this.plugins.findOne({ where: { name: info.name } });
    if (existing) {
      const fresh = {
        version: info.version,
        author: info.author,
        description: info.description,
        directory: info.directory,
      };
      if (Object.entries(fresh).some(([k, v]) => existing[k as keyof typeof fresh] !== v))
        await this.plugins.update({ id: existing.id }, fresh);
      return;
    }
    try {
      await this.plugins.insert({ ...info, enabled: enabledOnDiscovery, disabledReason: null, config: null });
    } catch (err) {
      // another instance seeded it at the same moment: theirs stands
      if (!isUniqueViolation(err)) throw err;
    }
    this.invalidate();
  }

  /** Sets the global flag (and the reason when disabled automatically). false when the plugin has no row. */
  async setEnabled(name: string, enabled: boolean, disabledReason: string | null = null): Promise<boolean> {
    const res = await this.plugins.update({ name }, { enabled, disabledReason: enabled ? null : disabledReason });
    this.changed();
    return (res.affected ?? 0) > 0;
  }

  async setConfig(name: string, config: Record<string, unknown>): Promise<boolean> {
    const res = await this.plugins.update({ name }, { config: JSON.stringify(config) });
    this.changed();
    return (res.affected ?? 0) > 0;
  }

  /** Sets or (with null) removes a robot's override of the global flag. */
  async setOverride(plugin: string, robotId: number, enabled: boolean | null): Promise<void> {
    if (enabled === null) await this.overrides.delete({ pluginName: plugin, robotId });
    else {
      const row = await this.overrides.findOne({ where: { pluginName: plugin, robotId } });
      if (row) await this.overrides.update({ id: row.id }, { enabled });
      else
        await this.overrides.insert({ pluginName: plugin, robotId, enabled }).catch(async (err) => {
          if (!isUniqueViolation(err)) throw err;
          await this.overrides.update({ pluginName: plugin, robotId }, { enabled });
        });
    }
    this.changed();
  }

  private changed(): void {
    this.invalidate();
    for (const l of this.listeners) l();
  }

  private async read(): Promise<SettingsSnapshot> {
    const [rows, overrides] = await Promise.all([
      this.plugins.find({ select: { name: true, enabled: true, disabledReason: true, config: true } }),
      this.overrides.find({ select: { pluginName: true, robotId: true, enabled: true } }),
    ]);
    const plugins = new Map(
      rows.map((r) => [
        r.name,
        { name: r.name, enabled: !!r.enabled, disabledReason: r.disabledReason, config: r.config },
      ]),
    );
    const byPlugin = new Map<string, Map<number, boolean>>();
    for (const o of overrides) {
      const m = byPlugin.get(o.pluginName) ?? new Map<number, boolean>();
      m.set(o.robotId, !!o.enabled);
      byPlugin.set(o.pluginName, m);
    }
    return new SettingsSnapshot(plugins, byPlugin);
  }
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && /unique|duplicate/i.test(err.message);
}
