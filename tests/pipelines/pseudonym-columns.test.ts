// Which published columns the scan gate format-checks as pseudonyms: those whose last technique
// is hmac_pseudonym (X4, U1), with the length the rule sets; none when the rule is disabled.
import { describe, expect, it } from 'vitest';
import { loadDatasets } from '../../datasets/load.ts';
import { pseudonymColumns } from '../../pipelines/pseudonym-columns.ts';
import { loadCatalog } from '../../rules/catalog.ts';

describe('pseudonymColumns', () => {
  it('lists the X4 and U1 columns of every dataset, with their exact format', async () => {
    const catalog = await loadCatalog();
    const found = Object.fromEntries((await loadDatasets()).map(({ def }) => [def.id, pseudonymColumns(def, catalog)]));
    const hex16 = '[0-9a-f]{16}';
    expect(found).toEqual({
      'c911-call': [{ column: 'event_id', format: hex16 }],
      'nibr-offs': [{ column: 'offense_id', format: hex16 }, { column: 'report_id', format: hex16 }],
      'uofx-frce': [{ column: 'uof_id', format: hex16 }, { column: 'incident_id', format: hex16 }, { column: 'officer_id', format: hex16 }],
    });
  });

  it('leaves out the columns of a disabled rule (then they are scanned as text)', async () => {
    const catalog = await loadCatalog();
    const force = (await loadDatasets()).find((d) => d.def.id === 'uofx-frce')!.def;
    expect(pseudonymColumns(force, catalog, ['X4'])).toEqual([{ column: 'officer_id', format: '[0-9a-f]{16}' }]);
  });
});
