import { cloneData } from './clone';

describe('cloneData', () => {
  it('copies plain objects and arrays deeply: changing the copy leaves the original as it was', () => {
    const original = { a: 1, b: 'x', c: null, d: true, e: [1, { f: [2, 3] }], g: { h: { i: 'deep' } }, u: undefined };
    const copy = cloneData(original);
    expect(copy).toEqual(original);
    expect(Object.keys(copy)).toEqual(Object.keys(original));
    copy.e.push(4);
    (copy.e[1] as { f: number[] }).f[0] = 99;
    copy.g.h.i = 'changed';
    expect(original).toEqual({
      a: 1,
      b: 'x',
      c: null,
      d: true,
      e: [1, { f: [2, 3] }],
      g: { h: { i: 'deep' } },
      u: undefined,
    });
  });

  it('gives shared references separate copies', () => {
    const shared = { n: 1 };
    const copy = cloneData({ a: shared, b: shared });
    copy.a.n = 2;
    expect([copy.b.n, shared.n]).toEqual([1, 1]);
  });

  it('copies what is not plain data with structuredClone', () => {
    const at = new Date('2026-12-04T00:00:00Z');
    const copy = cloneData({ at, m: new Map([['k', { v: 1 }]]), bytes: new Uint8Array([1, 2]) });
    // (structuredClone answers with the main realm's Date under Jest's vm: no instanceof across realms)
    expect(Object.prototype.toString.call(copy.at)).toBe('[object Date]');
    expect(copy.at).not.toBe(at);
    expect(copy.at.getTime()).toBe(at.getTime());
    expect(copy.m.get('k')).toEqual({ v: 1 });
    expect([...copy.bytes]).toEqual([1, 2]);
  });

  it('keeps `__proto__` an own property, and null-prototype objects so', () => {
    const withProto = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = cloneData(withProto);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(copy.__proto__).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: { b: 1 } });
    expect(Object.getPrototypeOf(cloneData(bare))).toBeNull();
  });

  it('takes a cycle or very deep data through structuredClone whole', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const copy = cloneData(cyclic);
    expect(copy).not.toBe(cyclic);
    expect(copy.self).toBe(copy);
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 200; i++) deep = { next: deep };
    expect(cloneData(deep)).toEqual(deep);
  });

  it('returns primitives as they are and throws where structuredClone throws', () => {
    expect(cloneData('text')).toBe('text');
    expect(cloneData(null)).toBeNull();
    class WithMethod {
      f = () => 1;
    }
    expect(() => cloneData({ x: new WithMethod() })).toThrow();
  });
});
