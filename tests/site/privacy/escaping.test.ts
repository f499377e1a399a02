// The privacy pages escape everything read from rules.json, re-read the files when a new release
// is switched in (cache per release id), and fail safely on missing or malformed files.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { switchCurrent } from '../../../publisher/release-writer.ts';
import { escapeHtml } from '../../../site/html.ts';
import type { PublishedRule } from '../../../site/privacy/schema.ts';
import { runApp, type Running } from '../helpers.ts';
import { buildRelease, type BuiltRelease } from './fixture.ts';

const XSS = '<script>alert("x")</script><img src=x onerror=alert(1)> & \'quoted\'';
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

/** Copies the built release under a new id, lets `edit` change its files, and makes it current. */
async function variant(suffix: string, edit: (dir: string) => Promise<void>): Promise<string> {
  const id = `${rel.releaseId}-${suffix}`;
  const dir = path.join(path.dirname(rel.dir), id);
  await cp(rel.dir, dir, { recursive: true });
  await edit(dir);
  await switchCurrent(rel.dataDir, id);
  return dir;
}

async function editRules(dir: string, change: (rules: PublishedRule[]) => unknown): Promise<void> {
  const file = path.join(dir, 'rules.json');
  const rules = JSON.parse(await readFile(file, 'utf8')) as PublishedRule[];
  await writeFile(file, JSON.stringify(change(rules) ?? rules));
}

async function page(p: string): Promise<{ status: number; body: string }> {
  const res = await app.get(p);
  return { status: res.status, body: await res.text() };
}

describe('privacy pages and hostile or broken release files', () => {
  it('escapes HTML in rule titles, rationale, basis, history and steps (after a release switch)', async () => {
    const x1 = rel.rules.find((r) => r.id === 'X1')!;
    const before = await page('/privacy');
    expect(before.body).toContain(escapeHtml(x1.title));

    await variant('xss', (dir) =>
      editRules(dir, (rules) => {
        const r = rules.find((x) => x.id === 'X1')!;
        Object.assign(r, { title: `Title ${XSS}`, rationale: `Why ${XSS}`, basis: `Basis ${XSS}`, status: XSS });
        r.review.push({ by: `By ${XSS}`, at: '2026-12-01', note: `Note ${XSS}`, action: 'tightened' });
        r.steps[0] = { ...r.steps[0], summary: `Sum ${XSS}`, description: `Desc ${XSS}`, fields: [XSS], params: { p: XSS } };
        rules.find((x) => x.id === 'X4')!.title = `X4 ${XSS}`; // X4 changes rows, so the report lists it
      }),
    );
    const esc = escapeHtml(XSS);
    for (const p of ['/privacy', '/privacy/rules/X1', '/privacy/report']) {
      const { status, body } = await page(p);
      expect(status, p).toBe(200);
      expect(body, p).not.toContain('<script');
      expect(body, p).not.toContain('<img');
      expect(body, p).toContain(esc);
    }
    const rule = (await page('/privacy/rules/X1')).body;
    for (const prefix of ['Title ', 'Why ', 'Basis ', 'By ', 'Note ', 'Sum ', 'Desc ']) expect(rule).toContain(prefix + esc);
    expect(rule).toContain(`<span class="badge">${esc}</span>`);
    expect(rule).toContain('<title>X1: Title &lt;script&gt;');
    expect(rule).not.toContain(escapeHtml(x1.title));
  });

  it('says the privacy files are missing rather than failing, for releases without them', async () => {
    await variant('bare', async (dir) => {
      await rm(path.join(dir, 'rules.json'));
      await rm(path.join(dir, 'privacy-report.json'));
    });
    for (const p of ['/privacy', '/privacy/report', '/privacy/rules/X1']) {
      const { status, body } = await page(p);
      expect(status, p).toBe(503);
      expect(body).toContain('was published without its rule catalog');
    }
    expect((await page('/')).status).toBe(200);
  });

  it('rejects a malformed rules.json with a 500 page and retries once it is fixed', async () => {
    const dir = await variant('bad', (d) => editRules(d, (rules) => [...rules, { ...rules[0], id: '<b>bad</b>' }]));
    const bad = await page('/privacy');
    expect(bad.status).toBe(500);
    expect(bad.body).toContain('Server error');
    expect(bad.body).not.toContain('<b>bad</b>');

    await editRules(dir, (rules) => rules.filter((r) => r.id !== '<b>bad</b>'));
    expect((await page('/privacy')).status).toBe(200);
  });

  it('rejects duplicate rule ids and a malformed privacy report', async () => {
    await variant('dup', (d) => editRules(d, (rules) => [...rules, rules[0]]));
    expect((await page('/privacy')).status).toBe(500);
    await variant('badreport', (d) => writeFile(path.join(d, 'privacy-report.json'), JSON.stringify({ releaseId: 'x', datasets: {}, scan: { passed: 'yes' } })));
    expect((await page('/privacy/report')).status).toBe(500);
  });

  it('serves the original catalog again when the original release is switched back in', async () => {
    await switchCurrent(rel.dataDir, rel.releaseId);
    const { status, body } = await page('/privacy/rules/X1');
    expect(status).toBe(200);
    expect(body).toContain(escapeHtml(rel.rules.find((r) => r.id === 'X1')!.title));
    expect(body).not.toContain('Title &lt;script&gt;');
  });
});
