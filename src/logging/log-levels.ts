import { LOG_LEVEL_ALIASES, LOG_LEVELS } from '../config/config-schema';

/** Every level name a caller may write: the canonical pino names and their aliases. */
export const ACCEPTED_LEVELS = [...LOG_LEVELS, ...Object.keys(LOG_LEVEL_ALIASES)];
/** "INFO", "Warning", "critical" → canonical pino level names. */
export const toLevel = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  return LOG_LEVEL_ALIASES[v] ?? v;
};
