// The floor for a full refresh: the same inputs and outputs as `publisher run --full`, done by one
// bare DuckDB script (no per-row JS): read every batch's CSVs, cast to contract types, upsert by key
// (newest updated_at, then later batch), apply the compiled rule SQL (HMAC pseudonyms, hundred
// blocks, row filters, X8), COPY the same Parquet/CSV/JSON files (with the product's exportSteps) and the chart aggregates.
// Left out on purpose (the product's extra work): value validation and quarantine, the X3 scan,
// the run report counts, SHA-256 of the files, metadata. Run as a child process:
//   node --import tsx bench/floor.ts --source DIR --out DIR   (prints {phases, seconds} as JSON)
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDatasets } from '../datasets/load.ts';
import { loadConfig } from '../pipelines/config.ts';
import { duckType, tableSpec, type FieldSpec, type TableName } from '../pipelines/contract.ts';
import { loadPublisherKey } from '../pipelines/key.ts';
import { mapHeader, readCsvHeader } from '../pipelines/sources/csv-header.ts';
import { fieldCastSql } from '../pipelines/sources/csv-sql.ts';
import { chartSql } from '../publisher/aggregates.ts';
import { exportSteps } from '../publisher/export.ts';
import type { ColumnManifest } from '../publisher/manifest.ts';
import { loadCatalog } from '../rules/catalog.ts';
import { compileDataset, type CompiledDataset } from '../rules/compile.ts';
import { ident, literal } from '../rules/sql.ts';

const BATCH = /^\d{8}T\d{6}Z$/;

/** A contract field's typed value, NULL when it does not cast (the product quarantines such rows). */
function castSql(f: FieldSpec): string {
  if (f.type === 'text' || f.type === 'boolean') return fieldCastSql(f);
  return `TRY_CAST(${ident(f.name)} AS ${duckType(f.type)}) AS ${ident(f.name)}`;
}

/** The compiled SELECT without the `__touched_<RULE>` report columns (a bare script has no report). */
export function bareShapeSql(c: CompiledDataset): string {
  const [head, from] = [c.shapeSql.slice(0, c.shapeSql.lastIndexOf('\nFROM src')), '\nFROM src'];
  const selectAt = head.indexOf('\nSELECT ') + '\nSELECT '.length;
  const items = head.slice(selectAt).split(',\n  ').filter((s) => !/ AS "__touched_[^"]+"$/.test(s));
  return `${head.slice(0, selectAt)}${items.join(',\n  ')}${from}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { source: { type: 'string' }, out: { type: 'string' }, threads: { type: 'string' } } });
  if (!values.source || !values.out) throw new Error('usage: floor.ts --source DIR --out DIR');
  const source = path.resolve(values.source);
  const out = path.resolve(values.out);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });

  const phases: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    phases[name] = (phases[name] ?? 0) + (now - t) / 1000;
    t = now;
    process.stderr.write(`floor: ${name} ${phases[name].toFixed(1)} s\n`);
  };

  // 1. Definitions, compiled exactly as the pipeline compiles them (same key: PUBLISHER_KEY).
  const config = await loadConfig(process.cwd());
  const catalog = await loadCatalog(config.catalogDir);
  const datasets = await loadDatasets(config.datasetsDir);
  const secretHex = await loadPublisherKey(out);
  const nowIso = new Date().toISOString();
  const compiled = datasets.map((d) => compileDataset(d.def, d.file, catalog, { secretHex, timezone: config.agency.timezone, nowIso }));
  const batches = (await readdir(source)).filter((n) => BATCH.test(n)).sort();

  const db = await DuckDBInstance.create(path.join(out, 'floor.duckdb'), values.threads ? { threads: values.threads } : {});
  const conn = await db.connect();
  await conn.run(`SET TimeZone = ${literal(config.agency.timezone)}`);
  lap('setup');

  // 2. Read + cast + upsert by key, one statement per table. Each file is read by its own header
  //    (batches may order columns differently or add unknown ones); values that do not cast are NULL.
  for (const table of [...new Set(datasets.map((d) => d.def.source))] as TableName[]) {
    const spec = tableSpec(table);
    const reads: string[] = [];
    for (const b of batches) {
      const file = path.join(source, b, `${table}.csv`);
      const header = existsSync(file) ? await readCsvHeader(file) : null;
      if (!header) continue;
      const map = mapHeader(file, header, spec);
      const cols = Array.from({ length: map.columnCount }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
      const select = spec.fields.map((f, k) => `${map.sourceIndex[k] < 0 ? 'NULL' : `c${map.sourceIndex[k]}`} AS ${ident(f.name)}`);
      reads.push(`SELECT ${select.join(', ')}, ${literal(b)} AS _batch FROM read_csv(${literal(file)}, columns = {${cols}},
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', ignore_errors = true)`);
    }
    await conn.run(`CREATE OR REPLACE TABLE ${ident(`stg_${table}`)} AS
      SELECT ${spec.fields.map(castSql).join(', ')}, _batch FROM (${reads.join('\n      UNION ALL ')})
      QUALIFY row_number() OVER (PARTITION BY ${ident(spec.primaryKey)} ORDER BY TRY_CAST(updated_at AS TIMESTAMPTZ) DESC NULLS LAST, _batch DESC) = 1`);
  }
  lap('stage');

  // 3. The rules: published tables, then X8 post-processing.
  for (const c of compiled) {
    await conn.run(`CREATE OR REPLACE TABLE ${ident(c.table)} AS ${bareShapeSql(c)}`);
    for (const p of c.post) for (const s of p.sql.statements) await conn.run(s);
  }
  lap('rules');

  // 4. Bulk files and chart aggregates.
  for (const [i, c] of compiled.entries()) {
    const def = datasets[i].def;
    const dir = path.join(out, 'datasets', def.id);
    await mkdir(path.join(dir, 'charts'), { recursive: true });
    // The product's own COPY statements (sorted once into Parquet; CSV and JSON from that file).
    for (const step of exportSteps(c.table, c.columns as ColumnManifest[], def.rowKey, dir)) {
      await conn.run(step.sql);
      lap(`export ${step.format}`);
    }
    const types = new Map((c.columns as ColumnManifest[]).map((col) => [col.name, col.type]));
    for (const chart of def.charts) {
      await conn.run(`COPY (${chartSql(c.table, chart, types)}) TO ${literal(path.join(dir, 'charts', `${chart.id}.json`))} (FORMAT json, ARRAY true)`);
    }
    lap('charts');
  }
  conn.closeSync();
  db.closeSync();
  const seconds = Object.values(phases).reduce((a, b) => a + b, 0);
  process.stdout.write(`${JSON.stringify({ phases, seconds })}\n`);
}

await main();
