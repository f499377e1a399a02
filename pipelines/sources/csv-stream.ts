// Stages clean CSV files without a raw copy of the text (a 15-year drop is 5 GB of it). Pass 1
// (csv-stage.ts, `check` mode) keeps one narrow row per record: its batch, a 64-bit hash of its
// mapped values (its identity within the batch), key, updated_at and failure reason. From those
// rows the winners are chosen as on the raw path (newest updated_at, then later batch). Pass 2, in
// the load's transaction, reads the files again and casts the rows to keep straight into
// stg_<table>, found by (batch, hash).
// The identity is exact only when (batch, hash) is unique, no key's newest two valid records tie
// on (updated_at, batch) (the raw path breaks that tie by row order) and no record fails a value
// check (its quarantine row needs its line number). Otherwise `prepareStreamed` says why and the
// caller stages through the raw copy. Pass 2 refuses a file whose size or mtime changed since
// pass 1, and checks the number of rows it wrote against the plan.

import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { stagingTable } from '../contract.ts';
import { fieldCastSql, ident, sqlString } from './csv-sql.ts';
import { fileRowsSql, rowHashSql, type CsvRaw } from './csv-stage.ts';
import { count, dropTemp } from './stage.ts';
import type { InsertKept, Prepared, QuarantineRowsSql } from './stage-upsert.ts';

/** Why these records cannot be matched by identity, or null when they can (ties are found with the winners). */
async function fallbackReason(conn: DuckDBConnection, chk: string): Promise<string | null> {
  const bad = await count(conn, `SELECT count(*) FROM ${chk} WHERE reason IS NOT NULL`);
  if (bad > 0) return `${bad} record(s) fail a value check`;
  const same = await count(conn, `SELECT count(*) FROM (SELECT 1 FROM ${chk} GROUP BY _b, _h HAVING count(*) > 1)`);
  return same > 0 ? `${same} record(s) repeated within a batch` : null;
}

const rejectsOnly: QuarantineRowsSql = ({ rejects }) => `SELECT _b, line AS _o, _batch AS batch, line, reason, raw FROM ${ident(rejects)}`;

/**
 * Pass 2 for one load: per file, the records whose identity `keep` lists, cast to contract types.
 * A record changed since pass 1 matches nothing, so the count check catches it. The identities
 * are the side of the join that is hashed: DuckDB's cardinality estimate for read_csv is too low
 * and would hash the whole file instead (measured: 41 s against 112 s for 11 M calls).
 */
function insertStreamed(raw: CsvRaw): InsertKept {
  const { spec } = raw;
  return async (conn, keep, loadedAt) => {
    const fields = spec.fields.map((f) => ident(f.name)).join(', ');
    const casts = spec.fields.map(fieldCastSql).join(', ');
    const [rj, rs] = [`_csv_rj2_${spec.name}`, `_csv_rs2_${spec.name}`];
    let written = 0;
    await conn.run(`SET disabled_optimizers = 'build_side_probe_side'`);
    try {
      for (const file of raw.files) {
        const now = await stat(file.path);
        if (now.size !== file.size || now.mtimeMs !== file.mtimeMs) {
          throw new Error(`${file.path} changed while this run was staging it; batch ${file.batch} is not applied — run again`);
        }
        await dropTemp(conn, rj, rs);
        const result = await conn.run(`INSERT INTO ${ident(stagingTable(spec.name))} (${fields}, _batch, _loaded_at)
          SELECT ${casts}, _batch, CAST(${sqlString(loadedAt.toISOString())} AS TIMESTAMPTZ)
          FROM (SELECT *, ${rowHashSql(spec)} AS _h FROM (${fileRowsSql(spec, file, raw.codes, rj, rs, raw.maxLineBytes)})) r
          SEMI JOIN (SELECT _h FROM (SELECT * FROM ${keep.from}) WHERE _b = ${file.ordinal}) k ON k._h = r._h`);
        written += result.rowsChanged;
      }
    } finally {
      await conn.run(`RESET disabled_optimizers`);
      await dropTemp(conn, rj, rs);
    }
    if (written !== keep.rows) {
      throw new Error(`${spec.name}: the second read of the source files gave ${written} rows to stage, the first ${keep.rows}; a file changed while this run was staging it — run again`);
    }
  };
}

/**
 * Validation and in-load dedupe from pass 1's check rows (`raw.checked`), without a raw copy.
 * Returns what applyPrepared needs, or why the load must go through the raw copy instead.
 */
export async function prepareStreamed(conn: DuckDBConnection, raw: CsvRaw): Promise<Prepared | { fallback: string }> {
  if (!raw.checked) throw new Error('prepareStreamed needs the check rows of readCsvFiles(…, "check")');
  const chk = ident(raw.checked);
  const reason = await fallbackReason(conn, chk);
  if (reason) return { fallback: reason };
  const t = raw.spec.name;
  const winners = `_stage_win_${t}`;
  // A tie for first place (same updated_at, same batch) is broken by row order on the raw path; a
  // tie among the losers changes nothing.
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(winners)} AS SELECT _b, _h, _k, _ts,
      coalesce(lead(_ts) OVER w = _ts AND lead(_b) OVER w = _b, false) AS _tie
    FROM ${chk} WINDOW w AS (PARTITION BY _k ORDER BY _ts DESC, _b DESC)
    QUALIFY row_number() OVER w = 1`);
  const ties = await count(conn, `SELECT count(*) FROM ${ident(winners)} WHERE _tie`);
  if (ties > 0) {
    await dropTemp(conn, winners);
    return { fallback: `${ties} key(s) with two versions of the same updated_at in one batch` };
  }
  const rawRows = await count(conn, `SELECT count(*) FROM ${chk}`);
  return {
    ...raw,
    bad: `_stage_bad_${t}`,
    winners,
    quarantineRows: rejectsOnly,
    insertKept: insertStreamed(raw),
    rawRows,
    structural: await count(conn, `SELECT count(*) FROM ${ident(raw.rejects)}`),
    valueBad: 0,
    winnerRows: await count(conn, `SELECT count(*) FROM ${ident(winners)}`),
  };
}
