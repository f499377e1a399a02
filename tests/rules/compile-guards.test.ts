// compileDataset refuses unsafe definitions (dropped, free-text, unprotected, unknown, retired, missing rules).
import { beforeAll, describe, expect, it } from 'vitest';
import { CALLS, column, compileEdited, editCatalog, expectRefused, FORCE, loadFixture, OFFENSES, type Fixture } from './fixtures.ts';

let fx: Fixture;
beforeAll(async () => {
  fx = await loadFixture();
});
const file = (id: string) => fx.defs.get(id)!.file;

describe('the real definitions compile', () => {
  it.each([CALLS, OFFENSES, FORCE])('%s compiles against the catalog', (id) => {
    const c = compileEdited(fx, id);
    expect(c.columns.map((x) => x.name)).toEqual(fx.defs.get(id)!.def.columns.map((x) => x.name));
    expect(c.rowRules).toContain('X6');
  });

  it('names the row rules that read the clock: only the embargo (X5), on the offenses', () => {
    expect([CALLS, OFFENSES, FORCE].map((id) => compileEdited(fx, id).clockRowRules)).toEqual([[], ['X5'], []]);
  });
});

describe('C1 and X2: dropped and free-text fields', () => {
  it('a column reading caller_name is refused', () => {
    expectRefused(() => compileEdited(fx, CALLS, (d) => void d.columns.push(column('caller', 'caller_name'))),
      file(CALLS), /columns\.\d+/, '"caller"', 'caller_name');
  });

  it('a caller_name laundered through a derivation is still refused by C1', () => {
    expectRefused(() => compileEdited(fx, CALLS, (d) => {
      d.derived.push({ name: 'caller_minutes', fn: 'minutes_between', args: ['received_at', 'caller_name'] });
      d.columns.push(column('caller_minutes', 'caller_minutes', [], 'number'));
    }), file(CALLS), /rules\.\d+: rule C1: column "caller_minutes" reads dropped field "caller_name"/);
  });

  it('a derivation cannot strip the sensitivity of what it passes through (split_first of a name)', () => {
    expectRefused(() => compileEdited(fx, OFFENSES, (d) => {
      d.derived.push({ name: 'victim_first', fn: 'split_first', args: ['victim_name'] });
      d.columns.push(column('victim_first', 'victim_first'));
    }), file(OFFENSES), '"victim_first"', 'direct');
  });

  it.each([[CALLS, 'remarks'], [OFFENSES, 'narrative'], [FORCE, 'narrative'], [FORCE, 'subject_injury_description']])(
    '%s: a column reading %s is refused', (id, field) => {
      expectRefused(() => compileEdited(fx, id, (d) => void d.columns.push(column('text_col', field))), file(id), '"text_col"', field);
    });

  it('free text laundered through a derivation is still refused by X2', () => {
    expectRefused(() => compileEdited(fx, OFFENSES, (d) => {
      d.derived.push({ name: 'n_minutes', fn: 'minutes_between', args: ['reported_at', 'narrative'] });
      d.columns.push(column('n_minutes', 'n_minutes', [], 'number'));
    }), file(OFFENSES), /rules\.\d+: rule X2: column "n_minutes" reads free_text field "narrative"/);
  });

  it('X2 cannot be bypassed by a rule that publishes a free-text field as is', () => {
    const catalog = editCatalog(fx.catalog, { U6: (r) => void r.steps[0].fields.push('subject_injury_description') });
    expectRefused(() => compileEdited(fx, FORCE, (d) => void d.columns.push(column('injury', 'subject_injury_description', ['U6'])), { catalog }),
      file(FORCE), 'column "injury" reads free_text field "subject_injury_description"');
  });
});

describe('unprotected fields and missing column rules', () => {
  it('publishing address without C2 is refused, naming the column and field', () => {
    expectRefused(() => compileEdited(fx, CALLS, (d) => {
      d.columns.find((c) => c.name === 'block_address')!.rules = ['C4'];
    }), file(CALLS), /columns\.\d+: column "block_address" reads exact_location field "address" without a rule that protects it/);
  });

  it('publishing coordinates without C3 is refused', () => {
    expectRefused(() => compileEdited(fx, CALLS, (d) => {
      d.columns.find((c) => c.name === 'latitude')!.rules = ['C4'];
    }), file(CALLS), '"latitude"', 'exact_location');
  });

  it('dropping C4 from the block column is refused, naming the column and the rule', () => {
    expectRefused(() => compileEdited(fx, CALLS, (d) => {
      d.columns.find((c) => c.name === 'block_address')!.rules = ['C2'];
    }), file(CALLS), 'rule C4 applies to field "address" but column "block_address" does not list it');
  });

  it('dropping I2 from beat is refused, naming the column and the rule', () => {
    expectRefused(() => compileEdited(fx, OFFENSES, (d) => {
      d.columns.find((c) => c.name === 'beat')!.rules = [];
    }), file(OFFENSES), 'rule I2 applies to field "beat" but column "beat" does not list it');
  });

  it('a record id published without X4 is refused', () => {
    expectRefused(() => compileEdited(fx, OFFENSES, (d) => void (d.columns.find((c) => c.name === 'report_id')!.rules = [])),
      file(OFFENSES), '"report_id"', 'record_id');
  });

  it('a rule with no step for the column field is refused', () => {
    expectRefused(() => compileEdited(fx, CALLS, (d) => void d.columns.find((c) => c.name === 'priority')!.rules.push('C2')),
      file(CALLS), /columns\.\d+\.rules\.0: rule C2 has no step for field "priority"/);
  });

  it('an unknown field is refused', () => {
    expectRefused(() => compileEdited(fx, CALLS, (d) => void d.columns.push(column('ssn', 'social_security_number'))),
      file(CALLS), 'unknown field "social_security_number"');
  });
});

describe('rule ids', () => {
  it('an unknown rule id is refused, in a column or dataset-wide', () => {
    expectRefused(() => compileEdited(fx, CALLS, (d) => void d.columns[0].rules.push('Z9')), file(CALLS), 'columns.0.rules.1: unknown rule "Z9"');
    expectRefused(() => compileEdited(fx, CALLS, (d) => void d.rules.push('X99')), file(CALLS), /rules\.\d+: unknown rule "X99"/);
  });

  it('a retired rule is refused, naming the dataset file and the rule file', () => {
    const catalog = editCatalog(fx.catalog, { C5: (r) => void (r.status = 'retired') });
    const err = expectRefused(() => compileEdited(fx, CALLS, () => {}, { catalog }), file(CALLS), 'rule C5 is retired');
    expect(err.message).toContain(fx.catalog.files.get('C5')!);
  });

  it('a rule that does not apply to the dataset is refused', () => {
    expectRefused(() => compileEdited(fx, CALLS, (d) => void d.columns.find((c) => c.name === 'beat')!.rules.push('I2')),
      file(CALLS), 'rule I2 does not apply to dataset c911-call');
    expectRefused(() => compileEdited(fx, FORCE, (d) => void d.rules.push('X5')), file(FORCE), 'rule X5 does not apply to dataset uofx-frce');
  });

  it.each([[CALLS, 'X6'], [OFFENSES, 'X6'], [OFFENSES, 'X5'], [CALLS, 'C1'], [CALLS, 'X2'], [FORCE, 'U5']])(
    '%s without dataset-wide rule %s is refused', (id, rule) => {
      expectRefused(() => compileEdited(fx, id, (d) => void (d.rules = d.rules.filter((r) => r !== rule))),
        file(id), `rule ${rule} governs ${id} but is not listed`);
    });

  it('a rule newly extended to a dataset must be applied before it compiles', () => {
    const catalog = editCatalog(fx.catalog, { I6: (r) => {
      r.datasets.push(CALLS);
      r.steps[0].fields = ['disposition'];
    } });
    expectRefused(() => compileEdited(fx, CALLS, () => {}, { catalog }), file(CALLS),
      'rule I6 applies to field "disposition" but column "disposition" does not list it');
  });
});

describe('disabledRules', () => {
  it('removes the rule from the SQL and from rulesApplied, and skips its checks', () => {
    const on = compileEdited(fx, CALLS);
    const off = compileEdited(fx, CALLS, () => {}, { disabledRules: ['C2', 'X6'] });
    expect(on.rulesApplied).toContain('C2');
    expect(off.rulesApplied).not.toContain('C2');
    expect(off.rowRules).not.toContain('X6');
    expect(on.shapeSql).toContain('BLOCK OF');
    expect(off.touchedColumns.some((t) => t.rule === 'C2')).toBe(false);
    expect(off.shapeSql).not.toContain('__touched_C2');
  });
});
