import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { APP_CONFIG, coerce, maskSecret, outboundProblem, SECRET_MASK } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { LogLevel } from '../config/config-schema';
import { DomainError } from '../common/domain-error';
import { LogLevelService } from '../logging/log-level.service';
import { ConfigEntity } from './config.entity';
import { RuntimeSettingDto } from './dto/runtime-setting.dto';
import { RUNTIME_SETTING_NAMES, RuntimeSettingName, settingField } from './runtime-settings';

/**
 * Runtime settings: config-file values overridden by rows of the `configs` table. Values are cached in memory, read
 * without I/O, and applied (e.g. the log level) when they change and at start-up.
 */
@Injectable()
export class RuntimeSettingsService implements OnModuleInit {
  private readonly logger = new Logger(RuntimeSettingsService.name);
  private overrides = new Map<string, { value: unknown; updatedAt: Date }>();

  constructor(
    @InjectRepository(ConfigEntity) private readonly configs: Repository<ConfigEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logLevel: LogLevelService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.overrides = await this.load(true);
    this.logLevel.set(this.get('logging.level') as LogLevel);
  }

  /**
   * Reads the stored settings again: a change made through another instance is seen here (callers that act on
   * settings from all instances, such as the alert evaluator, refresh before they read). The log level follows when
   * it changed.
   */
  async refresh(): Promise<void> {
    const level = this.get('logging.level');
    this.overrides = await this.load(false);
    if (this.get('logging.level') !== level) this.logLevel.set(this.get('logging.level') as LogLevel);
  }

  private async load(warn: boolean): Promise<Map<string, { value: unknown; updatedAt: Date }>> {
    const rows = await this.configs.find({ where: { name: In([...RUNTIME_SETTING_NAMES]) } });
    const out = new Map<string, { value: unknown; updatedAt: Date }>();
    for (const row of rows) {
      const field = settingField(row.name)!;
      const parsed = safeJson(row.value);
      const checked = coerce(field, parsed, false);
      if (typeof checked === 'string') {
        if (warn)
          this.logger.warn({ setting: row.name, problem: checked }, 'Ignoring an invalid stored runtime setting');
        continue;
      }
      out.set(row.name, { value: checked.value, updatedAt: row.updatedAt });
    }
    return out;
  }

  get(name: RuntimeSettingName): unknown {
    return this.overrides.has(name) ? this.overrides.get(name)!.value : this.fileValue(name);
  }

  list(): RuntimeSettingDto[] {
    return RUNTIME_SETTING_NAMES.map((name) => {
      const field = settingField(name)!;
      const o = this.overrides.get(name);
      const mask = (v: unknown) => (field.sensitive ? maskSecret(v) : v);
      return {
        name,
        value: mask(this.get(name)),
        defaultValue: mask(this.fileValue(name)),
        source: o ? 'runtime' : 'config',
        description: field.description,
        category: name.split('.')[0],
        type: field.kind,
        ...(field.kind === 'enum' || (field.kind === 'string[]' && field.values)
          ? { allowedValues: [...(field.values ?? [])] }
          : {}),
        sensitive: !!field.sensitive,
        updatedAt: o ? o.updatedAt.toISOString() : null,
      };
    });
  }

  /**
   * Validates every change first and applies all or none. null resets a setting to the file value; the mask sent
   * back for a secret means "unchanged", so a form that round-trips GET → PUT never wipes one.
   */
  async update(changes: Record<string, unknown>, actor: string): Promise<string[]> {
    const problems: string[] = [];
    const writes: { name: RuntimeSettingName; value: unknown }[] = []; // value null: reset to the file value
    for (const [name, raw] of Object.entries(changes)) {
      const field = settingField(name);
      if (!field) {
        problems.push(`settings.${name}: unknown setting (one of ${RUNTIME_SETTING_NAMES.join(', ')})`);
        continue;
      }
      if (field.sensitive && raw === SECRET_MASK) continue;
      if (raw === null) {
        writes.push({ name: name as RuntimeSettingName, value: null });
        continue;
      }
      const checked = coerce(field, raw, false);
      const refused =
        typeof checked === 'string'
          ? null
          : outboundProblem(field, checked.value, `settings.${name}`, {
              allowLinkLocal: this.config.backend.allow_link_local_targets,
            });
      if (typeof checked === 'string') problems.push(`settings.${name}: ${checked}`);
      else if (refused) problems.push(refused);
      else writes.push({ name: name as RuntimeSettingName, value: checked.value });
    }
    if (problems.length)
      throw new DomainError('INVALID_SETTING', problems.join('; '), 400, {}, { problems: problems.join('; ') });
    await this.configs.manager.transaction(async (m) => {
      for (const w of writes) {
        if (w.value === null) await m.delete(ConfigEntity, { name: w.name });
        else {
          const existing = await m.findOne(ConfigEntity, { where: { name: w.name } });
          const row =
            existing ?? m.create(ConfigEntity, { name: w.name, description: settingField(w.name)!.description });
          row.value = JSON.stringify(w.value);
          row.category = w.name.split('.')[0];
          await m.save(ConfigEntity, row);
        }
      }
    });
    const now = new Date();
    for (const w of writes) {
      if (w.value === null) this.overrides.delete(w.name);
      else this.overrides.set(w.name, { value: w.value, updatedAt: now });
    }
    if (writes.some((w) => w.name === 'logging.level')) this.logLevel.set(this.get('logging.level') as LogLevel);
    const names = writes.map((w) => w.name);
    if (names.length) this.logger.log({ actor, settings: names }, 'Runtime settings changed');
    return names;
  }

  private fileValue(name: RuntimeSettingName): unknown {
    const [section, key] = name.split('.');
    return (this.config as unknown as Record<string, Record<string, unknown>>)[section][key];
  }
}

function safeJson(s: string | null): unknown {
  if (s === null) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
