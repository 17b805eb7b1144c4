import { describe, expect, it } from 'vitest';
import { formatRows } from './format';

const rows = [
  { event_name: 'purchase', n: 12, params: [{ key: 'a', value: 1 }], note: null },
  { event_name: 'page_view', n: 3, params: [], note: 'say "hi", then\nleave' },
];

describe('formatRows', () => {
  it('aligns a text table, right-aligns numbers, shows nested values as compact JSON and NULL as NULL', () => {
    expect(formatRows(rows, 'table')).toBe(
      [
        'event_name |  n | params                  | note',
        '-----------+----+-------------------------+----------------------',
        'purchase   | 12 | [{"key":"a","value":1}] | NULL',
        'page_view  |  3 | []                      | say "hi", then\\nleave',
        '(2 rows)',
      ].join('\n'),
    );
  });

  it('writes a JSON array that parses back to the rows', () => {
    const text = formatRows(rows, 'json');
    expect(JSON.parse(text)).toEqual(rows);
    expect(text.split('\n')).toHaveLength(4);
  });

  it('writes RFC 4180 CSV: header, CRLF line ends, quoted fields with doubled quotes, NULL as empty', () => {
    expect(formatRows(rows, 'csv')).toBe(
      'event_name,n,params,note\r\n' +
        'purchase,12,"[{""key"":""a"",""value"":1}]",\r\n' +
        'page_view,3,[],"say ""hi"", then\nleave"\r\n',
    );
  });

  it('handles an empty result in every format', () => {
    expect(formatRows([], 'table')).toBe('(0 rows)');
    expect(formatRows([], 'json')).toBe('[]');
    expect(formatRows([], 'csv')).toBe('');
  });

  it('counts characters, not UTF-16 units, when aligning', () => {
    const table = formatRows([{ name: '😀' }, { name: 'ab' }], 'table').split('\n');
    expect(table[2]).toBe('😀');
    expect(table[3]).toBe('ab');
    expect(table[1]).toBe('----');
  });
});
