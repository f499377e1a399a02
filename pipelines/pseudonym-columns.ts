// The published columns that hold nothing but keyed pseudonyms (X4, U1): hmac_pseudonym is the
// last technique applied to the column. The scan gate (X3) checks that every value of such a
// column has the pseudonym's exact format instead of n-gramming millions of distinct hex values.
import type { DatasetDef } from '../datasets/schema.ts';
import type { PseudonymColumn } from '../publisher/scan-bulk.ts';
import type { Catalog } from '../rules/catalog.ts';
import { technique } from '../rules/registry.ts';
import { hmacPseudonym, pseudonymFormat } from '../rules/techniques/hmac-pseudonym.ts';

/** The column steps applied to one column, in order (disabled rules left out). */
function columnSteps(def: DatasetDef, col: DatasetDef['columns'][number], catalog: Catalog, disabled: readonly string[]) {
  return col.rules
    .filter((id) => !disabled.includes(id))
    .flatMap((id) => catalog.rules.get(id)?.steps ?? [])
    .filter((s) => (!s.dataset || s.dataset === def.id) && s.fields.includes(col.from) && technique(s.technique).column);
}

/** The text columns of a dataset whose last technique is hmac_pseudonym, with their format. */
export function pseudonymColumns(def: DatasetDef, catalog: Catalog, disabledRules: readonly string[] = []): PseudonymColumn[] {
  return def.columns.flatMap((col) => {
    const last = col.type === 'text' ? columnSteps(def, col, catalog, disabledRules).at(-1) : undefined;
    if (last?.technique !== hmacPseudonym.name) return [];
    return [{ column: col.name, format: pseudonymFormat(Number(last.params.length)) }];
  });
}
