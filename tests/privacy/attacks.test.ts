// The attacks of privacy-baseline.md (2, 3, 4, 6, 7) run against a release published from a
// generated source; each also runs with its defence disabled, to show the test can fail.
// Attack 1 (canaries) is in canary.test.ts; attack 5 (differencing releases) in sealing.test.ts.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoDrop, runOnce, tempDir, TEST_KEY } from '../helpers/pipeline.ts';

let source: string;
let release: string;
let db: DuckDBConnection;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}
const parquet = (dir: string, id: string) => `read_parquet('${path.join(dir, 'datasets', id, 'rows.parquet')}')`;

beforeAll(async () => {
  source = await demoDrop({ scale: 0.01 });
  release = (await runOnce(source, await tempDir('attacks'))).releaseDir;
  db = await (await DuckDBInstance.create(':memory:')).connect();
});

describe('attack 2: brute-force the pseudonyms', () => {
  const serials = Array.from({ length: 90000 }, (_, i) => `S${10000 + i}`);
  const hmac = (key: string, v: string) => createHmac('sha256', Buffer.from(key, 'hex')).update(`officer\x1f${v}`).digest('hex').slice(0, 16);

  it('no officer pseudonym is an unkeyed hash or a wrong-key HMAC of any possible serial', async () => {
    const published = new Set((await rows(`SELECT DISTINCT officer_id FROM ${parquet(release, 'uofx-frce')}`)).map((r) => r.officer_id as string));
    expect(published.size).toBeGreaterThan(10);
    const unkeyed = serials.filter((s) => [s, `officer\x1f${s}`].some((m) => published.has(createHash('sha256').update(m).digest('hex').slice(0, 16))));
    const wrongKey = serials.filter((s) => published.has(hmac('00'.repeat(32), s)));
    expect(unkeyed).toEqual([]);
    expect(wrongKey).toEqual([]);
    // With the real key the same search finds every officer: the attack is real, only the key stops it.
    expect(serials.filter((s) => published.has(hmac(TEST_KEY, s))).length).toBe(published.size);
  });
});

describe('attack 3: unique combinations of quasi-identifiers', () => {
  const uniqueVictims = (dir: string) =>
    rows(`SELECT count(*) AS n FROM (SELECT count(*) AS k FROM ${parquet(dir, 'nibr-offs')}
      WHERE coalesce(victim_sex <> 'REDACTED', FALSE) OR coalesce(victim_race <> 'REDACTED', FALSE) OR coalesce(victim_age_band <> 'REDACTED', FALSE)
      GROUP BY beat, date_trunc('day', occurred_hour), victim_age_band, victim_sex, victim_race HAVING count(*) < 5)`);

  it('no victim who still has demographics is in a group smaller than 5 on beat, day, age band, sex and race', async () => {
    expect(Number((await uniqueVictims(release))[0].n)).toBe(0);
    const report = JSON.parse(await readFile(path.join(release, 'manifest.json'), 'utf8')).datasets.find((d: { id: string }) => d.id === 'nibr-offs').report;
    expect(report.kAnonymity.required).toBe(5);
    expect(report.kAnonymity.k === null || report.kAnonymity.k >= 5).toBe(true);
  });

  it('without X8 the same search finds victims who stand out', async () => {
    const off = (await runOnce(source, await tempDir('attacks-x8'), { disabledRules: ['X8'] })).releaseDir;
    expect(Number((await uniqueVictims(off))[0].n)).toBeGreaterThan(0);
  });
});

describe('attack 4: average repeated points of a block', () => {
  const spread = (dir: string, id: string) =>
    rows(`SELECT block_address, count(DISTINCT (latitude, longitude)) AS points FROM ${parquet(dir, id)}
      WHERE latitude IS NOT NULL GROUP BY block_address HAVING count(DISTINCT (latitude, longitude)) > 1`);

  it('every block has one fixed point, on the grid, so averaging recovers nothing finer', async () => {
    for (const id of ['c911-call', 'nibr-offs']) expect(await spread(release, id)).toEqual([]);
    const off = await rows(`SELECT count(*) AS n FROM ${parquet(release, 'c911-call')}
      WHERE latitude IS NOT NULL AND abs(latitude / 0.002 - floor(latitude / 0.002) - 0.5) > 1e-6`);
    expect(Number(off[0].n)).toBe(0);
  });

  it('without C3 the points of a block differ, and their mean moves toward the true address', async () => {
    const off = (await runOnce(source, await tempDir('attacks-c3'), { disabledRules: ['C3', 'X3'] })).releaseDir;
    expect((await spread(off, 'c911-call')).length).toBeGreaterThan(0);
  });
});

describe('attack 6: derive a suppressed cell from totals', () => {
  it('no chart line has exactly one suppressed cell beside shown ones (total minus shown would give it away)', async () => {
    const manifest = JSON.parse(await readFile(path.join(release, 'manifest.json'), 'utf8'));
    let suppressed = 0;
    const recoverable: string[] = [];
    for (const d of manifest.datasets) {
      for (const c of d.charts) {
        const chart = JSON.parse(await readFile(path.join(release, c.path), 'utf8'));
        // Dimensions are the fields that are neither measures (number) nor the suppressed flag.
        const dimNames: string[] = chart.fields.filter((f: { type: string }) => !['number', 'boolean'].includes(f.type)).map((f: { name: string }) => f.name);
        for (let skip = 0; skip < dimNames.length; skip++) {
          const lines = new Map<string, boolean[]>();
          for (const r of chart.rows) {
            const key = JSON.stringify(dimNames.filter((_, i) => i !== skip).map((n) => r[n]));
            lines.set(key, [...(lines.get(key) ?? []), r.suppressed]);
          }
          // Recoverable: one withheld cell beside shown ones (line total − shown cells). A line made of a
          // single withheld cell has nothing shown to subtract; its protection is its other line.
          for (const [key, flags] of lines) {
            if (flags.filter(Boolean).length === 1 && flags.length > 1) recoverable.push(`${d.id}/${c.id} ${key}`);
          }
        }
        suppressed += chart.rows.filter((r: { suppressed: boolean }) => r.suppressed).length;
      }
    }
    expect(suppressed).toBeGreaterThan(0);
    expect(recoverable).toEqual([]);
  });
});

describe('attack 7: sensitive rows that carry a block or coordinates', () => {
  it('no sensitive call has a block or a point', async () => {
    const leaks = await rows(`SELECT count(*) AS n FROM ${parquet(release, 'c911-call')}
      WHERE regexp_matches(coalesce(initial_call_type, '') || ' | ' || coalesce(final_call_type, ''), '(^|[^A-Z])(DV|SEX|RAPE|CHILD|SUICIDE|OVERDOSE|WELFARE|MISSING|JUVENILE|DOA|CRISIS)([^A-Z]|$)')
        AND (block_address <> 'REDACTED' OR latitude IS NOT NULL OR longitude IS NOT NULL)`);
    const sensitive = await rows(`SELECT count(*) AS n FROM ${parquet(release, 'c911-call')} WHERE block_address = 'REDACTED'`);
    expect(Number(sensitive[0].n)).toBeGreaterThan(0);
    expect(Number(leaks[0].n)).toBe(0);
  });

  it('no sex offense, domestic violence or child victim has a sector, beat, block or point', async () => {
    const leaks = await rows(`SELECT count(*) AS n FROM ${parquet(release, 'nibr-offs')}
      WHERE (nibrs_code IN ('11A','11B','11C','11D','36A','36B','64A','64B') OR domestic_violence OR victim_age_band = '<18')
        AND (sector <> 'REDACTED' OR beat <> 'REDACTED' OR block_address <> 'REDACTED' OR latitude IS NOT NULL)`);
    expect(Number(leaks[0].n)).toBe(0);
  });

  it('without I2 the same query finds them', async () => {
    const off = (await runOnce(source, await tempDir('attacks-i2'), { disabledRules: ['I2'] })).releaseDir;
    const leaks = await rows(`SELECT count(*) AS n FROM ${parquet(off, 'nibr-offs')}
      WHERE (nibrs_code IN ('11A','11B','11C','11D','36A','36B','64A','64B') OR domestic_violence) AND latitude IS NOT NULL`);
    expect(Number(leaks[0].n)).toBeGreaterThan(0);
  });
});
