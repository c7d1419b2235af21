import { CONFIG_SCHEMA, Field } from './config-schema';

function show(field: Field): string {
  switch (field.kind) {
    case 'duration':
      return humanMs(field.default);
    case 'size':
      return humanBytes(field.default);
    case 'string[]':
      return JSON.stringify(field.default);
    case 'object':
      return '{}';
    case 'string':
      return field.default === '' ? '""' : `"${field.default}"`;
    default:
      return String(field.default);
  }
}

function kind(field: Field): string {
  switch (field.kind) {
    case 'enum':
      return field.values.map((v) => `\`${v}\``).join(' \\| ');
    case 'int':
      return `integer ${field.min}–${field.max}`;
    case 'string[]':
      return field.values ? `list of ${field.values.map((v) => `\`${v}\``).join(' \\| ')}` : 'list of strings';
    default:
      return field.kind;
  }
}

/** The configuration reference table of docs/CONFIGURATION.md, generated from the schema (a unit test keeps them equal). */
export function configReferenceMarkdown(): string {
  const lines = ['| key | type | default | env override | description |', '|---|---|---|---|---|'];
  for (const [section, fields] of Object.entries(CONFIG_SCHEMA) as [string, Record<string, Field>][])
    for (const [key, f] of Object.entries(fields)) {
      lines.push(
        `| \`${section}.${key}\`${f.sensitive ? ' 🔒' : ''} | ${kind(f)} | \`${show(f)}\` | ` +
          `\`OPENGEWE__${section.toUpperCase()}__${key.toUpperCase()}\` | ${f.description.replace(/\|/g, '\\|')} |`,
      );
    }
  return lines.join('\n');
}

function humanMs(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function humanBytes(b: number): string {
  for (const [unit, size] of [
    ['GB', 1024 ** 3],
    ['MB', 1024 ** 2],
    ['KB', 1024],
  ] as const)
    if (b % size === 0) return `${b / size} ${unit}`;
  return `${b} B`;
}
