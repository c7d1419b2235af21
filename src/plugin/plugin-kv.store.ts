import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { PluginKvEntity } from './plugin-kv.entity';
import type { PluginStore } from './plugin.types';

const MAX_KEY = 191;
/** A TEXT column holds 64 KiB on MySQL. */
const MAX_VALUE_BYTES = 65_535;

/** ctx.store: a small persistent key-value store per plugin on the plugin_kv table, values as JSON. */
@Injectable()
export class PluginKvStore {
  private readonly stores = new Map<string, PluginStore>();

  constructor(@InjectRepository(PluginKvEntity) private readonly kv: Repository<PluginKvEntity>) {}

  forPlugin(pluginName: string): PluginStore {
    let store = this.stores.get(pluginName);
    if (!store) {
      store = {
        get: <T>(key: string) => this.get<T>(pluginName, key),
        set: (key: string, value: unknown) => this.set(pluginName, key, value),
        delete: (key: string) => this.delete(pluginName, key),
      };
      this.stores.set(pluginName, store);
    }
    return store;
  }

  private async get<T>(pluginName: string, key: string): Promise<T | undefined> {
    checkKey(key);
    const row = await this.kv.findOne({ where: { pluginName, key }, select: { value: true } });
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  private async set(pluginName: string, key: string, value: unknown): Promise<void> {
    checkKey(key);
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) return this.delete(pluginName, key);
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_VALUE_BYTES)
      throw new Error(`store value for "${key}" is ${bytes} bytes as JSON; at most ${MAX_VALUE_BYTES} fit`);
    const updated = await this.kv.update({ pluginName, key }, { value: json });
    if (updated.affected) return;
    await this.kv.insert({ pluginName, key, value: json }).catch(async (err) => {
      // a concurrent first write of the same key: last one wins, as with any other write
      if (!(err instanceof QueryFailedError && /unique|duplicate/i.test(err.message))) throw err;
      await this.kv.update({ pluginName, key }, { value: json });
    });
  }

  private async delete(pluginName: string, key: string): Promise<void> {
    checkKey(key);
    await this.kv.delete({ pluginName, key });
  }
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || !key || key.length > MAX_KEY)
    throw new Error(`store keys are strings of 1-${MAX_KEY} characters`);
}
