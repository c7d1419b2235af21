/**
 * The console has its own text, in Chinese and in English, for every code the API can answer (the registry in
 * src/common/message-codes.ts) and for every runtime setting's description; the build fails otherwise (the console's
 * types say so too). Placeholders must be params the code has.
 */
import { ERROR_CODES, FIELD_CODES, MESSAGE_CODES, NOTICE_CODES } from '../../src/common/message-codes';
import { RUNTIME_SETTING_NAMES } from '../../src/settings/runtime-settings';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** A locale of the console: web/ is an ES module package jest cannot require, so it is compiled on the spot. */
function locale(name: string): { zh: Record<string, string>; en: Record<string, string> } {
  const file = join(__dirname, '..', '..', 'web', 'src', 'locales', `${name}.ts`);
  const js = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const mod = { exports: {} as { zh: Record<string, string>; en: Record<string, string> } };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('module', 'exports', 'require', js)(mod, mod.exports, require);
  return mod.exports;
}
const codes = locale('codes');
const settings = locale('settings');

const LANGS = { zh: codes.zh, en: codes.en };
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);

describe('the console has a text for every code of the API', () => {
  it.each(Object.entries(LANGS))('in %s, for every error and notice code, with only its params', (_lang, dict) => {
    const missing = Object.keys(MESSAGE_CODES).filter((c) => typeof dict[`code.${c}`] !== 'string');
    expect(missing).toEqual([]);
    for (const [code, params] of Object.entries({ ...ERROR_CODES, ...NOTICE_CODES }))
      for (const p of placeholders(dict[`code.${code}`] ?? ''))
        expect({ code, param: p, known: [...params, 'cause'].includes(p) }).toMatchObject({ known: true });
  });

  it.each(Object.entries(LANGS))('in %s, for every field constraint, each naming the field', (_lang, dict) => {
    const missing = Object.keys(FIELD_CODES).filter((c) => typeof dict[`field.${c}`] !== 'string');
    expect(missing).toEqual([]);
    // the forms put a message under its field by the field's path at its start
    for (const c of Object.keys(FIELD_CODES)) expect(dict[`field.${c}`]).toMatch(/^\{field\}/);
  });

  it('has a generic text for a code it does not know, in both languages', () => {
    expect(LANGS.zh['code.unknown']).toMatch(/\{code\}/);
    expect(LANGS.en['code.unknown']).toMatch(/\{code\}/);
  });

  it('has no English sentence in the Chinese texts', () => {
    const english = Object.entries(LANGS.zh).filter(([, v]) => /[A-Za-z]+ [A-Za-z]+ [A-Za-z]+/.test(v));
    expect(english).toEqual([]);
  });

  it.each(['zh', 'en'] as const)('in %s, describes every runtime setting', (lang) => {
    const dict = settings[lang];
    expect(RUNTIME_SETTING_NAMES.filter((n) => typeof dict[`settings.desc.${n}`] !== 'string')).toEqual([]);
  });
});
