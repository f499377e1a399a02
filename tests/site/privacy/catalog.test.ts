// The /privacy catalog, the "Privacy" menu entry, dictionary links to rule pages, and 404s for
// unknown or malformed rule ids, against a real release built by the pipelines.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../../site/html.ts';
import { runApp, type Running } from '../helpers.ts';
import { buildRelease, tableRows, type BuiltRelease } from './fixture.ts';

let rel: BuiltRelease;
let app: Running;

beforeAll(async () => {
  rel = await buildRelease();
  app = await runApp(rel.dataDir);
});

afterAll(async () => {
  await app?.close();
  if (rel) await rm(rel.dataDir, { recursive: true, force: true });
});

describe('/privacy', () => {
  let body: string;
  beforeAll(async () => {
    const res = await app.get('/privacy');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    body = await res.text();
  });

  it('lists every rule of rules.json with its link, title and status', () => {
    expect(rel.rules.length).toBeGreaterThan(20);
    for (const r of rel.rules) {
      expect(body).toContain(`<th scope="row"><a href="/privacy/rules/${r.id}"><code>${r.id}</code></a></th>`);
      expect(body).toContain(`<a href="/privacy/rules/${r.id}">${escapeHtml(r.title)}</a>`);
    }
    const listed = ['Every dataset', '911 calls for service', 'Reported offenses', 'Use of force'].flatMap((g) => tableRows(body, g));
    expect(listed.map((row) => row.Rule).sort()).toEqual(rel.rules.map((r) => r.id).sort());
    for (const row of listed) {
      const rule = rel.rules.find((r) => r.id === row.Rule)!;
      expect(row.Status).toBe(rule.status);
      expect(row.Techniques).toBe([...new Set(rule.steps.map((s) => s.technique))].join(', '));
      if (rule.datasets.includes('*')) expect(row.Datasets).toBe('every dataset');
    }
  });

  it('groups rules by scope, X first', () => {
    const order = ['X rules: Every dataset', 'C rules: 911 calls', 'I rules: Reported offenses', 'U rules: Use of force'].map((h) => body.indexOf(h));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(tableRows(body, '911 calls for service').every((r) => r.Rule.startsWith('C'))).toBe(true);
  });

  it('explains review and links to the report', () => {
    expect(body).toContain('Rules are data.');
    expect(body).toContain('must be approved by the city privacy office before a release can use it');
    expect(body).toContain('Tightening applies at once.');
    expect(body).toContain('href="/privacy/report"');
  });

  it('is a plain accessible page with the Privacy menu entry current', () => {
    expect(body).not.toContain('<script');
    expect(body).toContain('<li><a href="/privacy" aria-current="page">Privacy</a></li>');
    expect(body).toMatch(/<caption>[^<]+<\/caption>\s*<thead><tr><th scope="col">/);
  });
});

describe('data dictionary links', () => {
  it('links every rule id of every column to a rule page that exists', async () => {
    const checked = new Set<string>();
    for (const ds of rel.manifest.datasets) {
      const page = await (await app.get(`/datasets/${ds.id}`)).text();
      const dictionary = tableRows(page, 'Data dictionary');
      for (const c of ds.columns) {
        const row = dictionary.find((r) => r.Column === c.name)!;
        expect(row['Rules applied']).toBe(c.rules.length ? c.rules.join(', ') : 'none');
        for (const id of c.rules) {
          expect(page).toContain(`<a href="/privacy/rules/${id}"><code>${id}</code></a>`);
          checked.add(id);
        }
      }
    }
    expect(checked.size).toBeGreaterThan(10);
    for (const id of checked) {
      const res = await app.get(`/privacy/rules/${id}`);
      expect(res.status, id).toBe(200);
      await res.arrayBuffer();
    }
  });
});

describe('unknown rules', () => {
  it.each(['Z99', 'X99', 'x1', 'X1a', 'ABC1', '..%2Fmanifest.json', '%3Cscript%3E', 'X1%00'])('/privacy/rules/%s is a 404 page', async (id) => {
    const res = await app.get(`/privacy/rules/${id}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const body = await res.text();
    expect(body).toContain('Page not found');
    expect(body).not.toContain('<script');
  });
});
