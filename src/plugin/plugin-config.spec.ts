import { PluginConfigSchema } from './plugin-config';

describe('PluginConfigSchema on the shared compilers', () => {
  const schema = () => ({
    $id: 'https://example.com/plugin.schema.json',
    type: 'object',
    properties: { greeting: { type: 'string', default: 'hi' }, n: { type: 'integer', minimum: 1 } },
  });

  it('compiles a schema with an $id again (a plugin reloaded), each with its own rules', () => {
    const first = PluginConfigSchema.compile(schema());
    const again = PluginConfigSchema.compile({ ...schema(), properties: { n: { type: 'integer', maximum: 5 } } });
    expect(first.check({ n: 9 }).errors).toEqual([]);
    expect(again.check({ n: 9 }).errors.join()).toContain('n');
    expect(first.check({ n: 0 }).errors.join()).toContain('n');
  });

  it('fills defaults only where asked (a chat section leaves missing keys missing)', () => {
    expect(PluginConfigSchema.compile(schema()).check({}).config).toEqual({ greeting: 'hi' });
    expect(PluginConfigSchema.compile(schema(), { defaults: false }).check({}).config).toEqual({});
  });

  it('keeps the 2020-12 dialect apart, formats and the localized annotations included', () => {
    const s = PluginConfigSchema.compile({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      title_zh: '设置',
      properties: {
        url: { type: 'string', format: 'uri' },
        list: { type: 'array', prefixItems: [{ type: 'string' }] },
      },
    });
    expect(s.check({ url: 'https://ok.example/x', list: ['a'] }).errors).toEqual([]);
    expect(s.check({ url: 'not a url' }).errors.join()).toContain('url');
  });
});
