import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configReferenceMarkdown } from '../../src/config/config-reference';

describe('README', () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');

  it('docs/CONFIGURATION.md carries the configuration reference generated from the schema (npx tsx scripts/config-reference.ts --write)', () => {
    const doc = readFileSync(join(__dirname, '../../docs/CONFIGURATION.md'), 'utf8');
    const start = doc.indexOf('<!-- config-reference:start -->');
    const end = doc.indexOf('<!-- config-reference:end -->');
    expect(start).toBeGreaterThan(0);
    expect(doc.slice(start, end).split('\n').slice(1).join('\n').trim()).toBe(configReferenceMarkdown());
  });

  it('shows the two commands: start on embedded defaults and run every test', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
