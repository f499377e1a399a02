// X10 end to end: a run refuses an unapproved loosening change (naming the rule), applies and
// logs a tightening one; `rules diff` previews the impact on staging; `rules approve` unblocks.
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { approveRule, readApproved } from '../../rules/approved.ts';
import { DEFAULT_CATALOG_DIR, loadCatalog } from '../../rules/catalog.ts';
import { previewRuleChanges } from '../../pipelines/rules-preview.ts';
import { demoDrop, runOnce, tempDir, testConfig, TEST_KEY } from '../helpers/pipeline.ts';

let source: string;
beforeAll(async () => {
  source = await demoDrop({ scale: 0.002 });
});

/** A private copy of the catalog and its approved.json, edited by `edit`. */
async function catalogCopy(edit: (dir: string) => Promise<void>): Promise<string> {
  const root = await tempDir('catalog');
  await cp(DEFAULT_CATALOG_DIR, path.join(root, 'catalog'), { recursive: true });
  await cp(path.join(DEFAULT_CATALOG_DIR, '..', 'approved.json'), path.join(root, 'approved.json'));
  await edit(path.join(root, 'catalog'));
  return path.join(root, 'catalog');
}

async function replaceIn(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no "${from}"`);
  await writeFile(file, text.replaceAll(from, to));
}

describe('rule review', () => {
  it('the shipped catalog matches its approved version', async () => {
    const dir = await catalogCopy(async () => {});
    const preview = await previewRuleChanges({ config: testConfig(source, await tempDir('d')), catalogDir: dir, now: new Date() });
    expect(preview.changes).toEqual([]);
  });

  it('refuses to publish an unapproved loosening change, naming the rule, and publishes once approved', async () => {
    // Welfare checks would no longer be located by beat only (C4 loosened).
    const catalogDir = await catalogCopy((d) => replaceIn(path.join(d, 'C4.yaml'), ' WELFARE,', ''));
    const data = await tempDir('review-loosen');
    await expect(runOnce(source, data, { catalogDir })).rejects.toThrow(/loosens privacy and is not approved: C4 \(loosening: redact_when condition: 0 value\(s\) added, 2 removed\)/);

    // The privacy office previews the impact on the staged records (staging from a first run).
    await runOnce(source, data, {});
    const preview = await previewRuleChanges({ config: testConfig(source, data), catalogDir, env: { PUBLISHER_KEY: TEST_KEY }, now: new Date() });
    expect(preview.changes.map((c) => [c.id, c.verdict])).toEqual([['C4', 'loosening']]);
    expect(preview.impact!.map((d) => d.datasetId)).toEqual(['c911-call']);
    const calls = preview.impact![0];
    expect(calls.rowsBefore).toBe(calls.rowsAfter);
    expect(calls.columns.map((c) => c.name)).toEqual(['block_address', 'latitude', 'longitude']);
    expect(calls.columns[0].rowsChanged).toBeGreaterThan(0);

    const note = 'Welfare checks reviewed: block level accepted';
    const change = await approveRule(await loadCatalog(catalogDir), 'C4', 'A. Reviewer', note, new Date('2026-11-23T00:00:00Z'));
    expect(change.verdict).toBe('loosening');
    const yaml = parse(await readFile(path.join(catalogDir, 'C4.yaml'), 'utf8'));
    expect(yaml.review.at(-1)).toEqual({ by: 'A. Reviewer', at: '2026-11-23', action: 'approved', note });
    expect(JSON.stringify((await readApproved(catalogDir)).get('C4'))).not.toContain('WELFARE');
    const run = await runOnce(source, data, { catalogDir, clock: () => new Date('2026-11-15T00:00:00Z') });
    expect(run.releaseId).toBeTruthy();
  });

  it('applies a tightening change at once and logs it', async () => {
    const catalogDir = await catalogCopy((d) => replaceIn(path.join(d, 'X5.yaml'), 'embargoDays: 7', 'embargoDays: 30'));
    const data = await tempDir('review-tighten');
    const run = await runOnce(source, data, { catalogDir });
    expect(run.log.lines.some((l) => /rule X5 tightened and applied before approval/.test(l))).toBe(true);
    const logged = (await readFile(path.join(data, 'runs', 'rule-changes.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(logged[0]).toMatchObject({ id: 'X5', verdict: 'tightening' });
  });

  it('refuses a retired rule that a dataset still uses, naming the file', async () => {
    const catalogDir = await catalogCopy((d) => replaceIn(path.join(d, 'C2.yaml'), 'status: approved', 'status: retired'));
    await expect(runOnce(source, await tempDir('review-retired'), { catalogDir })).rejects.toThrow(/C2/);
  });
});
