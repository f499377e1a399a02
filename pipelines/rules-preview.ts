// `publisher rules diff`: what the working catalog changes against the approved one, and what
// that would do to the staged records: rows and fields that would publish differently, and the
// k-anonymity achieved before and after. Reads staging; writes nothing.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadDatasets } from '../datasets/load.ts';
import { diffCatalog, readApproved } from '../rules/approved.ts';
import { loadCatalog, type Catalog } from '../rules/catalog.ts';
import { compileDataset } from '../rules/compile.ts';
import type { RuleChange } from '../rules/review.ts';
import { ruleAppliesTo, type Rule } from '../rules/schema.ts';
import { ident } from '../rules/sql.ts';
import type { Config } from './config.ts';
import { loadPublisherKey } from './key.ts';
import { applyPost } from './shape.ts';

export interface DatasetImpact {
  datasetId: string;
  rowsBefore: number;
  rowsAfter: number;
  rowsOnlyBefore: number;
  rowsOnlyAfter: number;
  columns: { name: string; rowsChanged: number }[];
  kBefore: number | null;
  kAfter: number | null;
}

export interface Preview {
  changes: RuleChange[];
  impact: DatasetImpact[] | null;
  note?: string;
}

async function one(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>> {
  return (await conn.runAndReadAll(sql)).getRowObjects()[0];
}

export async function previewRuleChanges(o: { config: Config; catalogDir?: string; datasetsDir?: string; env?: NodeJS.ProcessEnv; now: Date }): Promise<Preview> {
  const working = await loadCatalog(o.catalogDir);
  const approvedRules = await readApproved(working.dir);
  const changes = diffCatalog(working, approvedRules);
  const file = path.join(o.config.dataDir, 'staging', 'staging.duckdb');
  if (!changes.length) return { changes, impact: [] };
  if (!existsSync(file)) return { changes, impact: null, note: `no staged records in ${file}: run "publisher run" once to preview the impact` };

  // The approved catalog; rules it never had are taken from the working one but switched off.
  const added = changes.filter((c) => c.kind === 'added').map((c) => c.id);
  const approved: Catalog = {
    dir: working.dir,
    files: working.files,
    rules: new Map<string, Rule>([
      ...[...approvedRules].map(([id, r]): [string, Rule] => [id, { ...r, review: [] }]),
      ...added.map((id): [string, Rule] => [id, working.rules.get(id)!]),
    ]),
  };
  const changed = new Set(changes.map((c) => c.id));
  const secretHex = await loadPublisherKey(o.config.dataDir, o.env);
  const base = { secretHex, timezone: o.config.agency.timezone, nowIso: o.now.toISOString() };
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    const impact: DatasetImpact[] = [];
    for (const { def, file: defFile } of await loadDatasets(o.datasetsDir)) {
      const governed = [...changed].some((id) => {
        const rule = working.rules.get(id) ?? approved.rules.get(id);
        return rule && ruleAppliesTo(rule, def.id);
      });
      if (!governed) continue;
      const before = compileDataset(def, defFile, approved, { ...base, disabledRules: added, table: 'preview_before' });
      const after = compileDataset(def, defFile, working, { ...base, table: 'preview_after' });
      const k: (number | null)[] = [];
      for (const c of [before, after]) {
        await conn.run(`CREATE OR REPLACE TEMP TABLE ${c.table} AS ${c.shapeSql}`);
        k.push((await applyPost(conn, c))?.k ?? null);
      }
      const key = ident(def.rowKey);
      const counts = await one(conn, `SELECT (SELECT count(*) FROM preview_before) AS b, (SELECT count(*) FROM preview_after) AS a,
        (SELECT count(*) FROM preview_before WHERE ${key} NOT IN (SELECT ${key} FROM preview_after)) AS ob,
        (SELECT count(*) FROM preview_after WHERE ${key} NOT IN (SELECT ${key} FROM preview_before)) AS oa`);
      const diffs = def.columns.map((c) => `count(*) FILTER (WHERE CAST(b.${ident(c.name)} AS VARCHAR) IS DISTINCT FROM CAST(a.${ident(c.name)} AS VARCHAR)) AS ${ident(c.name)}`);
      const per = await one(conn, `SELECT ${diffs.join(', ')} FROM preview_before b JOIN preview_after a USING (${key})`);
      impact.push({
        datasetId: def.id,
        rowsBefore: Number(counts.b), rowsAfter: Number(counts.a), rowsOnlyBefore: Number(counts.ob), rowsOnlyAfter: Number(counts.oa),
        columns: def.columns.map((c) => ({ name: c.name, rowsChanged: Number(per[c.name]) })).filter((c) => c.rowsChanged > 0),
        kBefore: k[0], kAfter: k[1],
      });
    }
    return { changes, impact };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
