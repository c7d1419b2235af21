import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * The console's message templates (web/src/interpolate.ts): variables and English singular/plural forms. web/ is an
 * ES module package jest cannot require, so the file is compiled to CommonJS on the spot.
 */
type Mod = typeof import('../../web/src/interpolate');
function load(): Mod {
  const file = join(__dirname, '..', '..', 'web', 'src', 'interpolate.ts');
  const js = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const mod = { exports: {} as Mod };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('module', 'exports', 'require', js)(mod, mod.exports, require);
  return mod.exports;
}
const { interpolate } = load();

describe('the console’s message templates', () => {
  it('fills variables, and leaves one not given as written', () => {
    expect(interpolate('共 {n} 个', { n: 3 })).toBe('共 3 个');
    expect(interpolate('Logged in as {name}', { name: 'Bob' })).toBe('Logged in as Bob');
    expect(interpolate('{a} and {b}', { a: 'x' })).toBe('x and {b}');
  });

  it('picks the singular for exactly 1 and the plural otherwise, # standing for the number', () => {
    const tpl = '{n:The plugin is|All # plugins are} fine';
    expect(interpolate(tpl, { n: 1 })).toBe('The plugin is fine');
    expect(interpolate(tpl, { n: 3 })).toBe('All 3 plugins are fine');
    expect(interpolate(tpl, { n: 0 })).toBe('All 0 plugins are fine');
    expect(interpolate('{h:# handler|# handlers} · {j:# scheduled job|# scheduled jobs}', { h: 1, j: 2 })).toBe(
      '1 handler · 2 scheduled jobs',
    );
    expect(interpolate('{n:# line|# lines}', {})).toBe('{n:# line|# lines}');
  });

  it('has a correct English singular wherever an English text counts things', () => {
    const texts = readFileSync(join(__dirname, '..', '..', 'web', 'src', 'i18n.tsx'), 'utf8');
    const locales = ['alerts', 'audit', 'files', 'logs', 'messages', 'plugins', 'schema-form', 'tokens'].map((f) =>
      readFileSync(join(__dirname, '..', '..', 'web', 'src', 'locales', `${f}.ts`), 'utf8'),
    );
    // "{n} plugins", "{h} handlers": a bare count before an English plural reads "1 plugins"
    for (const source of [texts, ...locales]) expect(source).not.toMatch(/\{\w+\} [a-z]+s\b/);
  });
});
