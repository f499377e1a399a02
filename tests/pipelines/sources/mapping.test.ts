// The source mapping file: YAML validated against the records contract; every error names the
// file and the field path.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSourceMapping, parseSourceMapping, sourceColumn, tableMapping } from '../../../pipelines/sources/mapping.ts';

const parse = (lines: string[]) => () => parseSourceMapping(lines.join('\n'), 'conf/mapping.yaml');

describe('source mapping file', () => {
  it('parses renames, the source table and code maps (scalars as text); unmapped tables are the identity', () => {
    const m = parseSourceMapping([
      'tables:',
      '  cad_events:',
      '    from: cad_export',
      '    columns: { event_id: incident_no, received_at: call_time }',
      '    codes: { call_source: { E911: 911, "NE": NON_EMERGENCY }, priority: { P1: 1 } }',
      '  use_of_force:',
    ].join('\n'), 'm.yaml');
    const cad = tableMapping(m, 'cad_events');
    expect(cad).toEqual({
      from: 'cad_export',
      columns: { event_id: 'incident_no', received_at: 'call_time' },
      codes: { call_source: { E911: '911', NE: 'NON_EMERGENCY' }, priority: { P1: '1' } },
    });
    expect(sourceColumn(cad, 'event_id')).toBe('incident_no');
    expect(sourceColumn(cad, 'beat')).toBe('beat');
    expect(tableMapping(m, 'use_of_force')).toEqual({ from: 'use_of_force', columns: {}, codes: {} });
    expect(tableMapping(m, 'rms_offenses')).toEqual({ from: 'rms_offenses', columns: {}, codes: {} });
  });

  it('rejects an unknown table, an unknown field, a bad code and a bad shape, naming the file and path', () => {
    expect(parse(['tables:', '  cad_event:', '    from: x'])).toThrow(/conf\/mapping\.yaml: tables\.cad_event: not a contract table \(known: cad_events, rms_offenses, use_of_force\)/);
    expect(parse(['tables:', '  cad_events:', '    columns: { event_idd: incident_no }'])).toThrow(/conf\/mapping\.yaml: tables\.cad_events\.columns\.event_idd: not a field of contract table cad_events/);
    expect(parse(['tables:', '  cad_events:', '    codes: { bogus: { a: b } }'])).toThrow(/conf\/mapping\.yaml: tables\.cad_events\.codes\.bogus: not a field/);
    expect(parse(['tables:', '  cad_events:', '    codes: { call_source: { E911: "9-1-1" } }'])).toThrow(/conf\/mapping\.yaml: tables\.cad_events\.codes\.call_source\.E911: "9-1-1" is not a contract code for call_source/);
    expect(parse(['tables:', '  cad_events:', '    columnz: {}'])).toThrow(/conf\/mapping\.yaml: tables\.cad_events: Unrecognized key.*columnz/i);
    expect(parse(['tables:', '  cad_events:', '    columns: { event_id: [a, b] }'])).toThrow(/conf\/mapping\.yaml: tables\.cad_events\.columns\.event_id: /);
    expect(parse(['tables:', '  cad_events:', '    columns: { event_id: remarks }'])).toThrow(/tables\.cad_events\.columns\.event_id: source column "remarks" would feed both event_id and remarks/);
    expect(parse(['tables: [1, 2'])).toThrow(/invalid source mapping file conf\/mapping\.yaml: not valid YAML/);
    expect(parse(['table: {}'])).toThrow(/conf\/mapping\.yaml: \(top level\): Unrecognized key.*table/i);
  });

  it('lists every problem at once', () => {
    expect(parse(['tables:', '  nope: {}', '  cad_events:', '    columns: { x: y }'])).toThrow(/\(2 problems\)[\s\S]*tables\.nope[\s\S]*tables\.cad_events\.columns\.x/);
  });

  it('reads a file, and names it when it cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mapping-'));
    const file = join(dir, 'mapping.yaml');
    await writeFile(file, 'tables:\n  rms_offenses: { from: offenses }\n');
    expect((await loadSourceMapping(file)).tables.rms_offenses?.from).toBe('offenses');
    await expect(loadSourceMapping(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read source mapping file .*missing\.yaml/);
  });
});
