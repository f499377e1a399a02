// Where a run's time goes, statement by statement: runs runPipelines (as `publisher run` does)
// with DuckDBConnection.run wrapped to time every SQL statement, then prints the
// slowest ones with their share of the run. Not part of `npm run bench`; for digging into a MISS:
//   node --import tsx bench/profile.ts --source DIR --data DIR [--full] [--top N] [--timeline FILE]
// --timeline writes every statement in the order it ran, with its start (s into the run), its time
// and its first 4,000 characters.
import { DuckDBConnection } from '@duckdb/node-api';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../pipelines/config.ts';
import { systemClock } from '../pipelines/io.ts';
import { stderrLogger, stderrProgress } from '../pipelines/progress.ts';
import { runPipelines } from '../pipelines/run.ts';

const { values } = parseArgs({ options: { source: { type: 'string' }, data: { type: 'string' }, full: { type: 'boolean' }, top: { type: 'string', default: '25' }, timeline: { type: 'string' } } });
if (!values.source || !values.data) throw new Error('usage: profile.ts --source DIR --data DIR [--full] [--top N] [--timeline FILE]');

const timings: { sql: string; ms: number; at: number }[] = [];
const proto = DuckDBConnection.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
// runAndReadAll goes through run, so wrapping run alone counts every statement once.
for (const name of ['run']) {
  const original = proto[name];
  proto[name] = async function (this: unknown, ...args: unknown[]) {
    const start = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      timings.push({ sql: String(args[0]), ms: performance.now() - start, at: start });
    }
  };
}

const config = await loadConfig(process.cwd());
config.sourceDir = path.resolve(values.source);
config.dataDir = path.resolve(values.data);
const t0 = performance.now();
await runPipelines({ config, full: values.full, log: stderrLogger(), progress: stderrProgress(), clock: systemClock });
const total = performance.now() - t0;
const inSql = timings.reduce((a, t) => a + t.ms, 0);
const shorten = (sql: string, max = 160) => sql.replace(/\s+/g, ' ').replace(/'[0-9a-f]{128}'/g, "'<pad>'").slice(0, max);
process.stdout.write(`run ${(total / 1000).toFixed(1)} s, of which ${(inSql / 1000).toFixed(1)} s in ${timings.length} SQL statements\n`);
for (const t of [...timings].sort((a, b) => b.ms - a.ms).slice(0, Number(values.top))) {
  process.stdout.write(`${(t.ms / 1000).toFixed(2).padStart(8)} s ${((100 * t.ms) / total).toFixed(1).padStart(5)}%  ${shorten(t.sql)}\n`);
}
if (values.timeline) {
  const lines = timings.map((t) => `${((t.at - t0) / 1000).toFixed(2).padStart(8)} +${(t.ms / 1000).toFixed(2).padStart(6)} s  ${shorten(t.sql, 4000)}`);
  await writeFile(values.timeline, `${lines.join('\n')}\n`);
}
