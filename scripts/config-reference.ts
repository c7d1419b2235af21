/**
 * npx tsx scripts/config-reference.ts [--write]
 * Prints the README's configuration reference table; with --write, replaces it in README.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configReferenceMarkdown } from '../src/config/config-reference';

const table = configReferenceMarkdown();
if (process.argv.includes('--write')) {
  const file = join(__dirname, '..', 'README.md');
  const readme = readFileSync(file, 'utf8');
  const start = '<!-- config-reference:start -->';
  const end = '<!-- config-reference:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error('README.md has no config-reference markers');
  writeFileSync(file, `${readme.slice(0, a + start.length)}\n${table}\n${readme.slice(b)}`);
} else process.stdout.write(table + '\n');
