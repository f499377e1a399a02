// Surveillance disclosures: the records load and validate, comment-period status follows the
// clock, retention reads plainly, and schema errors name the file and the field path.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadDisclosures, parseDisclosure, RECORDS_DIR } from '../../../site/disclosures/load.ts';
import { localDate, periodStatus, retentionPlain } from '../../../site/disclosures/schema.ts';

describe('disclosure records', () => {
  it('has a valid record for each required technology', () => {
    const ids = loadDisclosures().map((d) => d.id).sort();
    expect(ids).toEqual([
      'acoustic-gunshot-location',
      'body-worn-video',
      'license-plate-readers',
      'online-crime-reporting',
      'public-area-cameras',
      'real-time-crime-center',
    ]);
  });

  it('says plate reads capture people who are not suspects', () => {
    const alpr = loadDisclosures().find((d) => d.id === 'license-plate-readers')!;
    expect(alpr.dataCollected.some((e) => e.capturesNonSuspects)).toBe(true);
  });

  it('shows retention plainly', () => {
    const byId = new Map(loadDisclosures().map((d) => [d.id, d]));
    expect(retentionPlain(byId.get('public-area-cameras')!.retention)).toBe('Kept at most 30 days, then deleted');
    expect(retentionPlain(byId.get('real-time-crime-center')!.retention)).toBe('Kept about 30 days, then overwritten');
    const r = { ...byId.get('public-area-cameras')!.retention, days: 90, qualifier: 'exactly' as const };
    expect(retentionPlain(r)).toBe('Kept 90 days, then deleted');
    expect(retentionPlain({ ...r, days: null })).toMatch(/not yet set out/);
  });
});

describe('comment period status', () => {
  const p = { start: '2026-11-02', end: '2026-12-11' };
  it('is upcoming before the start, open on both end dates and between, closed after', () => {
    expect(periodStatus(p, '2026-11-01')).toBe('upcoming');
    expect(periodStatus(p, '2026-11-02')).toBe('open');
    expect(periodStatus(p, '2026-11-20')).toBe('open');
    expect(periodStatus(p, '2026-12-11')).toBe('open');
    expect(periodStatus(p, '2026-12-12')).toBe('closed');
  });

  it('takes "today" from the injected clock in the agency time zone', () => {
    const now = new Date('2026-12-12T05:00:00Z'); // still 11 December in Los Angeles
    expect(localDate(now, 'America/Los_Angeles')).toBe('2026-12-11');
    expect(periodStatus(p, localDate(now, 'America/Los_Angeles'))).toBe('open');
    expect(periodStatus(p, localDate(now, 'UTC'))).toBe('closed');
  });
});

describe('schema errors name the file and the field path', () => {
  const good = async () => parse(await readFile(path.join(RECORDS_DIR, 'body-worn-video.yaml'), 'utf8'));

  it('reports a bad nested field', async () => {
    const doc = await good();
    doc.retention.days = -5;
    doc.engagement.commentPeriods[0].end = '2027-02-30';
    expect(() => parseDisclosure('body-worn-video.yaml', stringify(doc))).toThrowError(
      /body-worn-video\.yaml: retention\.days: [^\n]+\nbody-worn-video\.yaml: engagement\.commentPeriods\.0\.end: not a real calendar date/,
    );
  });

  it('reports a missing field, an unknown field and a period that ends before it starts', async () => {
    const doc = await good();
    delete doc.review;
    doc.colour = 'blue';
    doc.engagement.commentPeriods[0] = { ...doc.engagement.commentPeriods[0], start: '2027-03-01', end: '2027-02-01' };
    let message = '';
    try {
      parseDisclosure('body-worn-video.yaml', stringify(doc));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('body-worn-video.yaml: review:');
    expect(message).toMatch(/body-worn-video\.yaml: \(top level\): .*colour/);
    expect(message).toContain('body-worn-video.yaml: engagement.commentPeriods.0.end: the comment period ends before it starts');
  });

  it('reports YAML syntax errors and an id that does not match the file', async () => {
    expect(() => parseDisclosure('x.yaml', 'id: [unclosed')).toThrowError(/^x\.yaml: YAML: /);
    const doc = await good();
    expect(() => parseDisclosure('other-name.yaml', stringify(doc))).toThrowError('other-name.yaml: id: "body-worn-video" must match the file name "other-name"');
  });

  it('loadDisclosures fails at startup on the first invalid file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'disclosures-'));
    const doc = await good();
    doc.status = 'maybe';
    await writeFile(path.join(dir, 'body-worn-video.yaml'), stringify(doc));
    expect(() => loadDisclosures(dir)).toThrowError(/body-worn-video\.yaml: status: /);
  });
});
