// The dataset page's JSON-LD and schedule, the changelog page, /status and /status.json, against
// fixture releases served in-process.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORCE_ID, INCIDENTS_ID, makeDataDir, pointCurrent } from '../fixture-release.ts';
import { runApp, type Running } from '../helpers.ts';
import { buildHistory, editManifest, R1, R2, R3, SECRET, writeRuns } from './fixture.ts';

const NOW = new Date('2025-03-04T12:00:00Z'); // 06:00 in America/Chicago (CST)
const EVIL = 'Incidents </script><script>alert(1)</script><!-- & "quotes" \u2028 end';
let dataDir: string;
let app: Running;

beforeAll(async () => {
  dataDir = await makeDataDir();
  await buildHistory(dataDir);
  await editManifest(dataDir, R3, (m) => {
    m.datasets[0].description = EVIL;
  });
  await pointCurrent(dataDir, R3);
  await writeRuns(dataDir);
  app = await runApp(dataDir, () => NOW);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const LD = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/g;

describe('dataset page JSON-LD', () => {
  let body: string;
  let csp: string | null;
  beforeAll(async () => {
    const res = await app.get(`/datasets/${INCIDENTS_ID}`);
    expect(res.status).toBe(200);
    csp = res.headers.get('content-security-policy');
    body = await res.text();
  });

  it('has exactly one JSON-LD block, and no other script', () => {
    const blocks = [...body.matchAll(LD)];
    expect(blocks).toHaveLength(1);
    expect(body.split('<script').length - 1).toBe(1);
    // A data block is not script: the page keeps its no-script CSP (script-src falls back to 'none').
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src/);
  });

  it('parses as a schema.org Dataset, and a hostile description cannot close the block', () => {
    const [block] = [...body.matchAll(LD)];
    expect(block[1]).not.toMatch(/<|>/);
    const ld = JSON.parse(block[1]);
    expect(ld['@type']).toBe('Dataset');
    expect(ld.description.startsWith(EVIL.replace(/\s+/g, ' '))).toBe(true);
    expect(ld.description.length).toBeGreaterThanOrEqual(50);
    expect(ld.spatialCoverage.name).toBe('Springfield');
    expect(ld.distribution).toHaveLength(3);
    expect(ld.temporalCoverage).toBe('2024-01-01/2024-04-15');
  });

  it('states the schedule in words and the next run in the agency time zone', () => {
    expect(body).toContain('Every day at 6:00 a.m., America/Chicago time (cron <code>0 6 * * *</code>)');
    // NOW is exactly 06:00 CST, so the next run is tomorrow's.
    expect(body).toContain('Next scheduled run: <time datetime="2025-03-05T12:00:00.000Z">');
    expect(body).toContain(`href="/datasets/${INCIDENTS_ID}/changelog"`);
  });

  it('computes the next run across the spring-forward change', async () => {
    const dst = await runApp(dataDir, () => new Date('2025-03-08T13:00:00Z')); // Sat 07:00 CST
    try {
      const page = await (await dst.get(`/datasets/${INCIDENTS_ID}`)).text();
      expect(page).toContain('<time datetime="2025-03-09T11:00:00.000Z">'); // Sun 06:00 CDT
      const weekly = await (await dst.get(`/datasets/${FORCE_ID}`)).text();
      expect(weekly).toContain('Every Monday at 7:00 a.m.');
      expect(weekly).toContain('<time datetime="2025-03-10T12:00:00.000Z">'); // Mon 07:00 CDT
    } finally {
      await dst.close();
    }
  });
});

describe('changelog page', () => {
  let body: string;
  beforeAll(async () => {
    const res = await app.get(`/datasets/${INCIDENTS_ID}/changelog`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    body = await res.text();
  });

  it('lists each retained release, newest first, with its row count and delta', () => {
    const order = [R3, R2, R1].map((id) => body.indexOf(`<code>${id}</code>`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(body).toContain('3 retained releases');
    expect(body).toMatch(/2,500<br><span class="meta">\+200<\/span>/);
    expect(body).toMatch(/2,300<br><span class="meta">\+300<\/span>/);
    expect(body).toContain(`<code>${R3}</code> (current)`);
  });

  it('shows schema changes against the previous release', () => {
    expect(body).toContain('Removed: <code>arrest_made</code>');
    expect(body).toContain('Added: <code>note</code>');
    expect(body).toContain('Type of <code>district</code>: text → integer');
    expect(body).toContain('oldest retained release: 5 columns');
  });

  it('shows the rows added, changed and removed when the run recorded them', () => {
    expect(body).toContain('210 added, 4 changed, 10 removed');
    expect(body).toContain('300 added, 12 changed, 0 removed');
    expect(body).toContain('not recorded');
  });

  it('marks a release that carried a dataset over unchanged', async () => {
    const page = await (await app.get(`/datasets/${FORCE_ID}/changelog`)).text();
    expect(page).toContain('carried over unchanged');
  });

  it('answers 404 for an unknown dataset', async () => {
    expect((await app.get('/datasets/zzzz-9999/changelog')).status).toBe(404);
    expect((await app.get('/datasets/not-an-id/changelog')).status).toBe(404);
  });
});

describe('/status and /status.json', () => {
  it('answers JSON with the release, last run and each dataset\'s last success, failure and next run', async () => {
    const res = await app.get('/status.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const s = await res.json();
    expect(s.ok).toBe(false); // the incidents dataset's latest run failed
    expect(s.release).toBe(R3);
    expect(s.lastRun.status).toBe('failed');
    expect(s.counts).toEqual({ runs: 2, succeeded: 1, failed: 1 });
    const inc = s.datasets.find((d: { id: string }) => d.id === INCIDENTS_ID);
    expect(inc.lastSuccess).toEqual({ at: '2025-03-01T06:02:00.000Z', releaseId: R3 });
    expect(inc.lastFailure.at).toBe('2025-03-02T06:00:05.000Z');
    expect(inc.nextRun).toBe('2025-03-05T12:00:00.000Z');
    const force = s.datasets.find((d: { id: string }) => d.id === FORCE_ID);
    expect(force.lastFailure).toBeNull();
    expect(force.nextRun).toBe('2025-03-10T12:00:00.000Z');
  });

  it('shows only the first line of an error, at most 200 characters', async () => {
    const raw = await (await app.get('/status.json')).text();
    expect(raw).not.toContain(SECRET);
    const s = JSON.parse(raw);
    expect(s.lastRun.error.length).toBeLessThanOrEqual(200);
    expect(s.lastRun.error).toMatch(/^records database unreachable at db\.internal:5432/);
    const page = await (await app.get('/status')).text();
    expect(page).not.toContain(SECRET);
    expect(page).not.toContain('Jane');
  });

  it('renders the status page: recent runs and per-dataset status', async () => {
    const res = await app.get('/status');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<h1>Publishing status</h1>');
    expect(page).toContain('The 2 most recent runs, newest first');
    expect(page).toContain('<strong>Failed</strong>');
    expect(page).toContain('Last success, last failure and next scheduled run of each dataset');
    expect(page).toContain('datetime="2025-03-05T12:00:00.000Z"');
    expect(page).toContain(`<a href="/datasets/${INCIDENTS_ID}">`);
    expect(page).not.toContain('<script');
  });

  it('works with no release and no history', async () => {
    const empty = await makeDataDir();
    const bare = await runApp(empty, () => NOW);
    try {
      const s = await (await bare.get('/status.json')).json();
      expect(s).toMatchObject({ ok: false, release: null, lastRun: null, datasets: [] });
      expect((await bare.get('/status')).status).toBe(200);
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('/datapackage.json', () => {
  it('serves the current release as a data package whose relative paths are the download URLs', async () => {
    const { dataPackageValidator } = await import('../../publisher/metadata-helpers.ts');
    const res = await app.get('/datapackage.json');
    expect(res.status).toBe(200);
    const pkg = await res.json();
    const validate = dataPackageValidator();
    expect(validate(pkg), JSON.stringify(validate.errors)).toBe(true);
    expect(pkg.id).toBe(R3);
    const csv = pkg.resources.find((r: { name: string }) => r.name === 'incidents-csv');
    const url = new URL(csv.path, `${app.url}/datapackage.json`);
    expect(url.pathname).toBe(`/datasets/${INCIDENTS_ID}/rows.csv`);
    const file = await fetch(url);
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBe(csv.bytes);
  });
});
