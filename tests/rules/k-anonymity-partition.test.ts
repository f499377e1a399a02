// X8's partition (rules/techniques/k-anonymity.ts): the quasi-identifiers it never changes, by
// which a patch runs it over only the partitions a day touches (pipelines/post-state.ts).
import { describe, expect, it } from 'vitest';
import { technique } from '../../rules/registry.ts';

const x8 = technique('k_anonymity');
const post = (params: Record<string, unknown>) => x8.postProcess!({ params: x8.params.parse(params), table: 'pub', rowKey: 'id' });

describe('k_anonymity partition', () => {
  it('is the quasi-identifiers neither generalized nor suppressed, truncated as classed', () => {
    const p = post({
      quasiIdentifiers: ['beat', { column: 'occurred_hour', truncate: 'day' }, 'age_band', 'sex', 'race'],
      generalize: { age_band: { '18-29': '18-39' } },
      suppress: [['age_band'], ['sex', 'race']],
    });
    expect(p.partition).toEqual(['"beat"', `date_trunc('day', "occurred_hour")`]);
  });

  it('is empty when every quasi-identifier may change: the step must see every row', () => {
    expect(post({ quasiIdentifiers: ['sex', 'race'], suppress: [['sex'], ['race']] }).partition).toEqual([]);
  });

  it('selects the keys of rows below k, the rows smallRowsSql counts', () => {
    const p = post({ quasiIdentifiers: ['beat', 'sex'], suppress: [['sex']] });
    expect(p.smallRowsSql).toBe(`SELECT count(*) AS n FROM (${p.smallKeysSql})`);
    expect(p.smallKeysSql).toMatch(/PARTITION BY "beat", "sex"\) AS n FROM "pub"\) WHERE n < 5$/);
  });
});
