// The seal list (X6): every published row key, and every case lookup hash, sealed so far, one
// Parquet file per dataset under DATA/sealing (beside staging, never under releases/, so the site
// cannot read it). A run saves it before its release switches in; a retained release keeps its
// rows, unserved, until it would serve again: `publisher rollback` applies the list to it first,
// and `publisher seal` applies it to every retained release at once. The list only grows: a
// record that later leaves the source (a full re-pull without it) stays sealed.
import type { DuckDBConnection } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { ident, literal } from '../rules/sql.ts';
import type { SealedKeys } from './sealing.ts';

export const SEALING_DIR = 'sealing';

const keysFile = (dataDir: string, datasetId: string) => path.join(dataDir, SEALING_DIR, `${datasetId}.keys.parquet`);
const lookupFile = (dataDir: string, datasetId: string) => path.join(dataDir, SEALING_DIR, `${datasetId}.lookup.parquet`);

/** Writes `file` as the union of its keys and TEMP table `table` (k), sorted; new file renamed over the old. */
async function mergeInto(conn: DuckDBConnection, table: string, file: string): Promise<number> {
  const old = existsSync(file) ? ` UNION SELECT k FROM read_parquet(${literal(file)})` : '';
  const tmp = `${file}.${process.pid}.tmp`;
  await conn.run(`COPY (SELECT k FROM ${ident(table)} WHERE k IS NOT NULL${old} ORDER BY k) TO ${literal(tmp)} (FORMAT parquet)`);
  await rename(tmp, file);
  return Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${literal(file)})`)).getRowObjects()[0].n);
}

/** Adds a run's sealed keys to the saved list; returns the list's size per dataset. */
export async function saveSealList(conn: DuckDBConnection, dataDir: string, sealed: readonly SealedKeys[]): Promise<Record<string, number>> {
  const dir = path.join(dataDir, SEALING_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const sizes: Record<string, number> = {};
  for (const s of sealed) {
    sizes[s.datasetId] = await mergeInto(conn, s.keysTable, keysFile(dataDir, s.datasetId));
    if (s.lookupKeysTable) await mergeInto(conn, s.lookupKeysTable, lookupFile(dataDir, s.datasetId));
  }
  return sizes;
}

/** The saved list as TEMP tables (k) on `conn`, one entry per dataset that has sealed records. */
export async function loadSealList(conn: DuckDBConnection, dataDir: string): Promise<SealedKeys[]> {
  const names = await readdir(path.join(dataDir, SEALING_DIR)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const out: SealedKeys[] = [];
  for (const name of names.filter((n) => n.endsWith('.keys.parquet')).sort()) {
    const datasetId = name.slice(0, -'.keys.parquet'.length);
    const table = `seal_list_${datasetId.replace(/[^a-zA-Z0-9]/g, '_')}`;
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(table)} AS SELECT k FROM read_parquet(${literal(keysFile(dataDir, datasetId))})`);
    let lookupKeysTable: string | null = null;
    if (existsSync(lookupFile(dataDir, datasetId))) {
      lookupKeysTable = `${table}_lookup`;
      await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(lookupKeysTable)} AS SELECT k FROM read_parquet(${literal(lookupFile(dataDir, datasetId))})`);
    }
    out.push({ datasetId, keysTable: table, lookupKeysTable });
  }
  return out;
}
