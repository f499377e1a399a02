// /privacy/rules/:id for every rule of a real release: rationale, basis, steps, shaped columns,
// review history, and hit counts equal to the manifest (X7 cells, X3 scan, X8 k).
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInt } from '../../../site/format.ts';
import { escapeHtml } from '../../../site/html.ts';
import type { PublishedRule } from '../../../site/privacy/schema.ts';
import { runApp, type Running } from '../helpers.ts';
import { buildRelease, count, fact, tableRows, type BuiltRelease } from './fixture.ts';

let rel: BuiltRelease;
let app: Running;
const pages = new Map<string, string>();

beforeAll(async () => {
  rel = await buildRelease();
  app = await runApp(rel.dataDir);
  for (const r of rel.rules) {
    const res = await app.get(`/privacy/rules/${r.id}`);
    expect(res.status, r.id).toBe(200);
    pages.set(r.id, await res.text());
  }
});

afterAll(async () => {
  await app?.close();
  if (rel) await rm(rel.dataDir, { recursive: true, force: true });
});

const eachRule = (): PublishedRule[] => rel.rules;
const governs = (r: PublishedRule) => rel.manifest.datasets.filter((d) => r.datasets.includes('*') || r.datasets.includes(d.id));

describe('rule pages', () => {
  it('show title, status, rationale, basis and each step', () => {
    for (const r of eachRule()) {
      const body = pages.get(r.id)!;
      expect(body).toContain(`<h1><code>${r.id}</code>: ${escapeHtml(r.title)}</h1>`);
      expect(body).toContain(`<dt>Status</dt><dd><span class="badge ${r.status}">${r.status}</span></dd>`);
      expect(body).toContain(`<p>${escapeHtml(r.rationale)}</p>`);
      expect(fact(body, 'Basis')).toBe(r.basis);
      for (const s of r.steps) {
        expect(body).toContain(escapeHtml(s.summary));
        expect(body).toContain(`<code>${s.technique}</code>`);
        if (s.description) expect(body).toContain(`How: ${escapeHtml(s.description)}`);
        for (const f of s.fields) expect(body).toContain(`<code>${f}</code>`);
      }
      expect(body).not.toContain('<script');
    }
  });

  it('show the review history as a table', () => {
    for (const r of eachRule()) {
      const rows = tableRows(pages.get(r.id)!, `Review history of ${r.id}`);
      expect(rows).toEqual(r.review.map((e) => ({ Date: e.at, 'Reviewed by': e.by, Action: e.action, Note: e.note })));
    }
  });

  it('list the published columns whose rules include the id, linked to their dataset', () => {
    for (const r of eachRule()) {
      const body = pages.get(r.id)!;
      const expected = rel.manifest.datasets.flatMap((d) => d.columns.filter((c) => c.rules.includes(r.id)).map((c) => ({ Dataset: d.name, Column: c.name, Title: c.title })));
      if (!expected.length) {
        expect(body).toContain('No published column lists this rule');
        continue;
      }
      expect(tableRows(body, `Published columns shaped by ${r.id}`)).toEqual(expected);
      for (const d of rel.manifest.datasets.filter((d) => d.columns.some((c) => c.rules.includes(r.id)))) {
        expect(body).toContain(`<td><a href="/datasets/${d.id}">${escapeHtml(d.name)}</a></td>`);
      }
    }
    expect(tableRows(pages.get('X4')!, 'Published columns shaped by X4').length).toBeGreaterThanOrEqual(3);
  });

  it('show rows touched and withheld per governed dataset, equal to the manifest', () => {
    let numbers = 0;
    for (const r of eachRule()) {
      const rows = tableRows(pages.get(r.id)!, `What ${r.id} did in release ${rel.manifest.releaseId}`);
      const ds = governs(r);
      expect(rows.map((row) => row.Dataset)).toEqual(ds.map((d) => d.name));
      for (const [i, d] of ds.entries()) {
        expect(rows[i]['Rows changed'], `${r.id} ${d.id}`).toBe(count(d.report.touchedByRule[r.id]));
        expect(rows[i]['Rows withheld'], `${r.id} ${d.id}`).toBe(count(d.report.withheldByRule[r.id]));
        numbers += Number(r.id in d.report.touchedByRule) + Number(r.id in d.report.withheldByRule);
      }
    }
    expect(numbers).toBeGreaterThan(15);
  });

  it('X7 shows the chart cells suppressed per dataset', () => {
    const rows = tableRows(pages.get('X7')!, 'What X7 did');
    for (const d of rel.manifest.datasets) {
      const row = rows.find((x) => x.Dataset === d.name)!;
      expect(row['Chart cells suppressed']).toBe(formatInt(rel.report.datasets[d.id].suppressedCells));
    }
    expect(Object.values(rel.report.datasets).some((d) => d.suppressedCells > 0)).toBe(true);
  });

  it('X3 shows the scan gate result', () => {
    const body = pages.get('X3')!;
    const scan = rel.report.scan;
    if ('skipped' in scan) throw new Error('the demo run should scan');
    expect(fact(body, 'Result')).toBe('Passed: no personal data found');
    expect(fact(body, 'Artifacts scanned')).toBe(formatInt(scan.artifacts));
    expect(fact(body, 'Values scanned')).toBe(formatInt(scan.units));
    expect(fact(body, 'Source values hunted for')).toBe(formatInt(scan.terms));
    expect(fact(body, 'Hits')).toBe('0');
  });

  it('X8 shows the k achieved against the k required', () => {
    const rows = tableRows(pages.get('X8')!, 'What X8 did');
    const governed = governs(rel.rules.find((r) => r.id === 'X8')!);
    expect(governed.length).toBeGreaterThan(0);
    for (const d of governed) {
      const k = d.report.kAnonymity!;
      const row = rows.find((x) => x.Dataset === d.name)!;
      expect(row['k achieved']).toBe(k.k === null ? 'none (no published row carries the protected values)' : formatInt(k.k));
      expect(row['k required']).toBe(formatInt(k.required));
      expect(row['Rows below k before treatment']).toBe(formatInt(k.rowsBelowK));
    }
  });

  it('link back to the catalog and the report', () => {
    expect(pages.get('C1')).toContain('<a href="/privacy">Privacy rules</a> · <a href="/privacy/report">Privacy report</a>');
  });
});
