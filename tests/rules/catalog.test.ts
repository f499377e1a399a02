// The rule catalog: every file parses, the baseline rules exist and are approved, broken files are named.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG_DIR, loadCatalog } from '../../rules/catalog.ts';
import { TECHNIQUES } from '../../rules/registry.ts';
import { Rule } from '../../rules/schema.ts';
import { DefinitionError } from '../../rules/yaml-file.ts';

const BASELINE = ['X1', 'X2', 'X4', 'X5', 'X6', 'X7', 'C1', 'C2', 'C3', 'C4', 'C5',
  'I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'U1', 'U2', 'U3', 'U4', 'U5', 'U6', 'U7'];

const temps: string[] = [];
afterEach(async () => {
  for (const d of temps.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A temp copy of the real catalog, to break one file in. */
async function catalogCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rules-catalog-'));
  temps.push(dir);
  await cp(DEFAULT_CATALOG_DIR, dir, { recursive: true });
  return dir;
}

async function loadError(dir: string): Promise<DefinitionError> {
  const err = await loadCatalog(dir).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(DefinitionError);
  return err as DefinitionError;
}

describe('the rule catalog', () => {
  it('every YAML file parses through the Rule schema on its own', async () => {
    const names = (await readdir(DEFAULT_CATALOG_DIR)).filter((n) => n.endsWith('.yaml'));
    expect(names.length).toBeGreaterThanOrEqual(BASELINE.length);
    for (const name of names) {
      const raw = parse(await readFile(path.join(DEFAULT_CATALOG_DIR, name), 'utf8'));
      const r = Rule.safeParse(raw);
      expect(r.success, `${name}: ${r.error?.message}`).toBe(true);
      expect(name).toBe(`${r.data!.id}.yaml`);
    }
  });

  it('loads, with one rule per file', async () => {
    const cat = await loadCatalog();
    const names = (await readdir(DEFAULT_CATALOG_DIR)).filter((n) => n.endsWith('.yaml'));
    expect(cat.rules.size).toBe(names.length);
    for (const [id, file] of cat.files) expect(path.basename(file)).toBe(`${id}.yaml`);
  });

  it.each(BASELINE)('baseline rule %s exists, is approved, and records who approved it', async (id) => {
    const rule = (await loadCatalog()).rules.get(id);
    expect(rule, `rule ${id} missing`).toBeDefined();
    expect(rule!.status).toBe('approved');
    expect(rule!.review.some((r) => r.action === 'approved' && r.by.length > 0)).toBe(true);
  });

  it('every technique a step names exists in the registry, and every step params validate', async () => {
    for (const name of (await readdir(DEFAULT_CATALOG_DIR)).filter((n) => n.endsWith('.yaml'))) {
      const raw = parse(await readFile(path.join(DEFAULT_CATALOG_DIR, name), 'utf8')) as { steps: { technique: string; params?: unknown }[] };
      for (const step of raw.steps) {
        expect(TECHNIQUES.has(step.technique), `${name}: ${step.technique}`).toBe(true);
        expect(TECHNIQUES.get(step.technique)!.params.safeParse(step.params ?? {}).success, `${name}: ${step.technique} params`).toBe(true);
      }
    }
  });

  it('every column step names at least one field; dataset-wide steps name none', async () => {
    for (const rule of (await loadCatalog()).rules.values()) {
      for (const step of rule.steps) {
        const t = TECHNIQUES.get(step.technique)!;
        if (t.column) expect(step.fields.length, `${rule.id} ${step.technique}`).toBeGreaterThan(0);
        if (t.keepRow) expect(step.fields, `${rule.id} ${step.technique}`).toEqual([]);
      }
    }
  });

  it('X7 carries minCell 11 and X5 a 7-day embargo, as the baseline says', async () => {
    const cat = await loadCatalog();
    expect(cat.rules.get('X7')!.steps[0].params).toMatchObject({ minCell: 11 });
    expect(cat.rules.get('X5')!.steps[0].params).toMatchObject({ embargoDays: 7 });
  });
});

describe('broken catalog files are refused, naming the file and the field path', () => {
  it('bad technique params: steps.0.params', async () => {
    const dir = await catalogCopy();
    const file = path.join(dir, 'C3.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('cellDegrees: 0.002', 'cellDegrees: -5'));
    const err = await loadError(dir);
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/steps\.0\.params: cellDegrees/);
  });

  it('a missing required param: steps.0.params names it', async () => {
    const dir = await catalogCopy();
    const file = path.join(dir, 'X6.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('field: record_status, ', ''));
    const err = await loadError(dir);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/steps\.0\.params: field/);
  });

  it('an unknown technique: steps.N.technique', async () => {
    const dir = await catalogCopy();
    const file = path.join(dir, 'I1.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('technique: block_point', 'technique: random_jitter'));
    const err = await loadError(dir);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/steps\.1\.technique: unknown technique "random_jitter"/);
  });

  it('a schema error (bad status) names the file and the field', async () => {
    const dir = await catalogCopy();
    const file = path.join(dir, 'U1.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('status: approved', 'status: maybe'));
    const err = await loadError(dir);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/status:/);
  });

  it('unreadable YAML and a rule in the wrong file are refused', async () => {
    let dir = await catalogCopy();
    await writeFile(path.join(dir, 'C1.yaml'), 'id: C1\nsteps: [unclosed\n');
    expect((await loadError(dir)).message).toMatch(/C1\.yaml: not readable YAML/);

    dir = await catalogCopy();
    await writeFile(path.join(dir, 'C9.yaml'), await readFile(path.join(dir, 'C2.yaml'), 'utf8'));
    expect((await loadError(dir)).message).toMatch(/C9\.yaml: id: rule C2 must live in C2\.yaml/);
  });
});
