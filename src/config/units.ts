/** Human-friendly durations and sizes used by the config file. */

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

/** "15m", "10 days", "1.5h" → milliseconds; NaN when not a duration. */
export function parseDuration(input: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(input);
  if (!m) return NaN;
  const unit = DURATION_UNITS[m[2].toLowerCase()];
  return unit === undefined ? NaN : Math.round(Number(m[1]) * unit);
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  k: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  gb: 1024 ** 3,
  g: 1024 ** 3,
};

/** "500 MB", "1mb", "2048" → bytes; NaN when not a size. */
export function parseSize(input: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(input);
  if (!m) return NaN;
  const unit = SIZE_UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? NaN : Math.round(Number(m[1]) * unit);
}
