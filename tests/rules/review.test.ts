// X10: classifying rule changes as tightening, loosening or neutral.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../rules/catalog.ts';
import { classifyChange } from '../../rules/review.ts';
import type { Rule } from '../../rules/schema.ts';

const catalog = await loadCatalog();
const rule = (id: string): Rule => JSON.parse(JSON.stringify(catalog.rules.get(id)));
function edit(id: string, f: (r: Rule) => void): Rule {
  const r = rule(id);
  f(r);
  return r;
}

describe('classifyChange', () => {
  it.each([
    ['U2', (r: Rule) => { r.steps[0].params.k = 10; }, 'tightening'],
    ['U2', (r: Rule) => { r.steps[0].params.k = 3; }, 'loosening'],
    ['X5', (r: Rule) => { r.steps[0].params.embargoDays = 30; }, 'tightening'],
    ['X5', (r: Rule) => { r.steps[0].params.embargoDays = 0; }, 'loosening'],
    ['I3', (r: Rule) => { r.steps[0].params.width = 5; }, 'loosening'],
    ['C5', (r: Rule) => { r.steps[0].params.unit = 'day'; }, 'tightening'],
    ['C5', (r: Rule) => { r.steps[1].params.digits = 2; }, 'loosening'],
    ['C3', (r: Rule) => { r.steps[0].params.cellDegrees = 0.0001; }, 'loosening'],
    ['C4', (r: Rule) => { (r.steps[0].params.when as { any: { containsWord: string[] }[] }).any[0].containsWord.push('ASSAULT'); }, 'tightening'],
    ['C4', (r: Rule) => { (r.steps[0].params.when as { any: { containsWord: string[] }[] }).any[0].containsWord.shift(); }, 'loosening'],
    ['I2', (r: Rule) => { r.steps[0].fields = r.steps[0].fields.filter((f) => f !== 'beat'); }, 'loosening'],
    ['C1', (r: Rule) => { r.steps[0].fields.push('disposition'); }, 'tightening'],
    ['U4', (r: Rule) => { r.steps[0].fields.push('officer_name'); }, 'loosening'],
    ['I5', (r: Rule) => { (r.steps[0].params.map as Record<string, string>).APARTMENT = 'APARTMENT'; }, 'loosening'],
    ['X6', (r: Rule) => { r.status = 'retired'; }, 'loosening'],
    ['X6', (r: Rule) => { r.datasets = ['c911-call']; }, 'loosening'],
    ['X2', (r: Rule) => { r.rationale = `${r.rationale} Reworded.`; }, 'neutral'],
    ['X1', (r: Rule) => { r.steps = []; }, 'loosening'],
  ] as const)('%s: %s is %s', (id, change, verdict) => {
    expect(classifyChange(id, rule(id), edit(id, change)).verdict).toBe(verdict);
  });

  it('an unchanged rule is unchanged; a new rule tightens; a deleted rule loosens', () => {
    expect(classifyChange('C2', rule('C2'), rule('C2')).kind).toBe('unchanged');
    expect(classifyChange('C9', undefined, rule('C2')).verdict).toBe('tightening');
    expect(classifyChange('C2', rule('C2'), undefined).verdict).toBe('loosening');
  });
});
