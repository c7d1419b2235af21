import { Logger } from '@nestjs/common';
import type { PluginLogger } from './plugin.types';

const loggers = new Map<string, Logger>();

/**
 * A plugin's log: lines under the source `Plugin:<name>` (so GET /api/system/logs?source=Plugin:<name> shows one
 * plugin), each carrying `bindings` (plugin, requestId, robotId…), which the plugin's own data cannot overwrite.
 */
export function pluginLogger(plugin: string, bindings: Record<string, unknown>): PluginLogger {
  let logger = loggers.get(plugin);
  if (!logger) loggers.set(plugin, (logger = new Logger(`Plugin:${plugin}`)));
  const l = logger;
  const line = (data: Record<string, unknown> | undefined) => ({ ...(data ?? {}), plugin, ...bindings });
  return {
    trace: (msg, data) => l.verbose(line(data), msg),
    debug: (msg, data) => l.debug(line(data), msg),
    info: (msg, data) => l.log(line(data), msg),
    warn: (msg, data) => l.warn(line(data), msg),
    error: (msg, data) => l.error(line(data), msg),
  };
}
