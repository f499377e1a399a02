// /privacy/report against a real release: every number equals privacy-report.json or the
// manifest (rows touched/withheld by rule, row totals, k, suppressed cells, the scan gate).
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInt } from '../../../site/format.ts';
import { runApp, type Running } from '../helpers.ts';
import { buildRelease, count, fact, section, tableRows, type BuiltRelease } from './fixture.ts';

let rel: BuiltRelease;
let app: Running;
let body: string;

beforeAll(async () => {
  rel = await buildRelease();
  app = await runApp(rel.dataDir);
  const res = await app.get('/privacy/report');
  expect(res.status).toBe(200);
  body = await res.text();
});

afterAll(async () => {
  await app?.close();
  if (rel) await rm(rel.dataDir, { recursive: true, force: true });
});

describe('/privacy/report', () => {
  it('is the report of the current release', () => {
    expect(rel.report.releaseId).toBe(rel.manifest.releaseId);
    expect(body).toContain(`the current release (<code>${rel.manifest.releaseId}</code>)`);
    expect(body).not.toContain('<script');
    expect(body).toContain('aria-current="page">Privacy</a>');
  });

  it('has one section per dataset with the manifest row totals', () => {
    expect(rel.manifest.datasets.length).toBe(3);
    for (const d of rel.manifest.datasets) {
      const s = section(body, `ds-${d.id}`);
      const r = d.report;
      expect(s).toContain(`<a href="/datasets/${d.id}">`);
      expect(fact(s, 'Rows read')).toBe(formatInt(r.rowsRead));
      expect(fact(s, 'Quarantined')).toBe(formatInt(r.quarantined));
      expect(fact(s, 'Withheld by rules')).toBe(formatInt(Object.values(r.withheldByRule).reduce((a, b) => a + b, 0)));
      expect(fact(s, 'Published')).toBe(formatInt(r.published));
      expect(fact(s, 'Chart cells suppressed')).toBe(formatInt(rel.report.datasets[d.id].suppressedCells));
    }
  });

  it('shows k achieved vs required and rows below k where X8 applies', () => {
    let withK = 0;
    for (const d of rel.manifest.datasets) {
      const s = section(body, `ds-${d.id}`);
      const k = d.report.kAnonymity;
      if (!k) {
        expect(fact(s, 'k achieved')).toBe('not applied');
        continue;
      }
      withK++;
      const achieved = k.k === null ? 'none (no published row carries the protected values)' : formatInt(k.k);
      expect(fact(s, 'k achieved')).toBe(`${achieved} (required: ${formatInt(k.required)})`);
      expect(fact(s, 'Rows below k before treatment')).toBe(formatInt(k.rowsBelowK));
    }
    expect(withK).toBe(2);
  });

  it('lists per dataset every rule that touched or withheld rows, with the report counts', () => {
    for (const d of rel.manifest.datasets) {
      const counts = rel.report.datasets[d.id];
      const rows = tableRows(section(body, `ds-${d.id}`), 'Rules that changed or withheld rows');
      const ids = new Set([...Object.keys(counts.touchedByRule), ...Object.keys(counts.withheldByRule)]);
      expect(new Set(rows.map((r) => r.Rule))).toEqual(ids);
      for (const row of rows) {
        expect(row.Title).toBe(rel.rules.find((r) => r.id === row.Rule)!.title);
        expect(row['Rows changed'], `${d.id} ${row.Rule}`).toBe(count(counts.touchedByRule[row.Rule]));
        expect(row['Rows withheld'], `${d.id} ${row.Rule}`).toBe(count(counts.withheldByRule[row.Rule]));
        // The published report and the manifest agree.
        expect(counts.touchedByRule[row.Rule]).toBe(d.report.touchedByRule[row.Rule]);
        expect(counts.withheldByRule[row.Rule]).toBe(d.report.withheldByRule[row.Rule]);
      }
    }
  });

  it('shows the scan gate result', () => {
    const scan = rel.report.scan;
    if ('skipped' in scan) throw new Error('the demo run should scan');
    const s = section(body, 'scan');
    expect(s).toContain('<a href="/privacy/rules/X3"><code>X3</code></a>');
    expect(fact(s, 'Result')).toBe('Passed: no personal data found');
    expect(fact(s, 'Artifacts scanned')).toBe(formatInt(scan.artifacts));
    expect(fact(s, 'Values scanned')).toBe(formatInt(scan.units));
    expect(fact(s, 'Source values hunted for')).toBe(formatInt(scan.terms));
    expect(fact(s, 'Hits')).toBe(formatInt(scan.hits));
    expect(body).toContain('Scan gate: passed');
  });
});
