// Release lifecycle: no release (503), a first release, switching `current` without restart,
// and a broken release answering 500 without leaking details.
import { mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INCIDENTS_ID, buildRelease, makeDataDir, pointCurrent } from './fixture-release.ts';
import { runApp, type Running } from './helpers.ts';

let dataDir: string;
let app: Running;

beforeAll(async () => {
  dataDir = await makeDataDir();
  app = await runApp(dataDir);
});

afterAll(async () => {
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function count(): Promise<number> {
  const res = await app.get(`/resource/${INCIDENTS_ID}.json?$limit=50000`);
  expect(res.status).toBe(200);
  return ((await res.json()) as unknown[]).length;
}

describe('release lifecycle (one app, never restarted)', () => {
  it('answers 503 with a friendly page while nothing is published', async () => {
    for (const p of ['/', `/datasets/${INCIDENTS_ID}`]) {
      const res = await app.get(p);
      expect(res.status, p).toBe(503);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('No release has been published yet');
    }
    const api = await app.get(`/resource/${INCIDENTS_ID}.json`);
    expect(api.status).toBe(503);
    expect((await api.json()).message).toBe('No release has been published yet');
    expect(await (await app.get('/health')).json()).toEqual({ ok: true, release: null });
  });

  it('picks up the first release, then a second one switched in via the symlink', async () => {
    await buildRelease(dataDir, { releaseId: 'r1', incidentRows: 2500, datasetName: 'Incidents v1' });
    await pointCurrent(dataDir, 'r1');
    expect(await count()).toBe(2500);
    expect(await (await app.get('/')).text()).toContain('Incidents v1');
    const svg1 = await (await app.get(`/datasets/${INCIDENTS_ID}/charts/by-month.svg`)).text();
    const page1 = await app.get(`/datasets/${INCIDENTS_ID}`);
    expect(await page1.text()).toContain('Incidents v1');

    await buildRelease(dataDir, { releaseId: 'r2', incidentRows: 40, datasetName: 'Incidents v2' });
    await pointCurrent(dataDir, 'r2');
    expect(await count()).toBe(40);
    const home = await (await app.get('/')).text();
    expect(home).toContain('Incidents v2');
    expect(home).not.toContain('Incidents v1');
    expect(await (await app.get('/health')).json()).toEqual({ ok: true, release: 'r2' });
    const svg2 = await (await app.get(`/datasets/${INCIDENTS_ID}/charts/by-month.svg`)).text();
    expect(svg2).not.toBe(svg1);
    // the pages kept in memory belong to r1: r2's page is rendered, with its own ETag
    const page2 = await app.get(`/datasets/${INCIDENTS_ID}`, { headers: { 'If-None-Match': page1.headers.get('etag')! } });
    expect(page2.status).toBe(200);
    expect(page2.headers.get('etag')).not.toBe(page1.headers.get('etag'));
    expect(await page2.text()).toContain('Incidents v2');

    // and back again: the r1 cache was dropped, so it is rebuilt from disk
    await pointCurrent(dataDir, 'r1');
    expect(await count()).toBe(2500);
  });

  it('returns to 503 when current is removed', async () => {
    await unlink(path.join(dataDir, 'current'));
    expect((await app.get('/')).status).toBe(503);
  });

  it('answers 500 without a stack trace when a release is broken', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await mkdir(path.join(dataDir, 'releases', 'broken'), { recursive: true });
      await writeFile(path.join(dataDir, 'releases', 'broken', 'manifest.json'), '{"releaseId": 3}');
      await pointCurrent(dataDir, 'broken');
      const res = await app.get('/');
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(body).toContain('Something went wrong');
      expect(body).not.toMatch(/manifest\.json|at .*\.ts|Error:/);
      const api = await app.get(`/resource/${INCIDENTS_ID}.json`);
      expect(api.status).toBe(500);
      expect(await api.json()).toEqual({ code: 'internal', message: 'Internal server error' });
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
