/**
 * npx tsx scripts/config-reference.ts [--write]
 * Prints the configuration reference table of docs/CONFIGURATION.md; with --write, replaces it there.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configReferenceMarkdown } from '../src/config/config-reference';

const table = configReferenceMarkdown();
if (process.argv.includes('--write')) {
  const file = join(__dirname, '..', 'docs', 'CONFIGURATION.md');
  const readme = readFileSync(file, 'utf8');
  const start = '<!-- config-reference:start -->';
  const end = '<!-- config-reference:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error('docs/CONFIGURATION.md has no config-reference markers');
  writeFileSync(file, `${readme.slice(0, a + start.length)}\n${table}\n${readme.slice(b)}`);
} else process.stdout.write(table + '\n');
