import { parseCsv } from '../../test/support/csv';
import { csvCell, csvRow } from './csv';

describe('csv', () => {
  it('quotes a cell with a quote, a comma or a line break and doubles its quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
  });

  it('puts an apostrophe before a cell a spreadsheet would run as a formula', () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\r'])
      expect(csvCell(`${lead}SUM(A1)`).replace(/^"/, '').startsWith(`'${lead}`)).toBe(true);
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('a=1')).toBe('a=1');
  });

  it('writes empty cells for null and undefined, and numbers and booleans as text', () => {
    expect(csvRow([null, undefined, 3, true, '中文'])).toBe(',,3,true,中文\r\n');
  });

  it('round-trips through a strict RFC 4180 reader', () => {
    const cells = ['a', 'b,c', 'd "e"', 'f\r\ng', '', '中文'];
    const text = csvRow(cells) + csvRow(['x']);
    expect(parseCsv(text)).toEqual([cells, ['x']]);
  });
});
