// Metadata of a real (small) release: DCAT-US 1.1 data.json against the official schemas, the
// Frictionless data package against the v1 profile, and schema.org JSON-LD for each dataset.
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataPackage } from '../../publisher/datapackage.ts';
import { buildDcatCatalog, NON_FEDERAL_OMITTED } from '../../publisher/dcat.ts';
import { datasetJsonLd } from '../../publisher/jsonld.ts';
import type { Manifest } from '../../publisher/manifest.ts';
import { readManifest } from '../../publisher/release-reader.ts';
import { demoDrop, runOnce, tempDir } from '../helpers/pipeline.ts';
import { dataPackageValidator, dcatValidator, loadDcatSchemas, nonFederalDatasetSchema } from './metadata-helpers.ts';

const BASE = 'https://data.demo-city.example';
let dataDir: string;
let releaseDir: string;
let manifest: Manifest;

beforeAll(async () => {
  const drop = await demoDrop();
  dataDir = await tempDir('metadata');
  const run = await runOnce(drop, dataDir);
  releaseDir = run.releaseDir;
  manifest = await readManifest(releaseDir);
}, 180_000);

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const messages = (errors: { instancePath: string; message?: string; params?: unknown }[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);

describe('DCAT-US 1.1 data.json', () => {
  it('validates against the official schemas minus only the federal-only codes', () => {
    const official = loadDcatSchemas()['dataset.json'];
    const relaxed = nonFederalDatasetSchema(official);
    // The relaxation is exactly the documented one: the two codes out of `required`, nothing else.
    expect(official.required).toEqual(expect.arrayContaining([...NON_FEDERAL_OMITTED]));
    expect([...relaxed.required!, ...NON_FEDERAL_OMITTED].sort()).toEqual([...official.required!].sort());
    expect({ ...relaxed, required: official.required }).toEqual(official);

    const catalog = buildDcatCatalog(manifest, BASE);
    const validate = dcatValidator();
    expect(validate(catalog), messages(validate.errors).join('\n')).toBe(true);
    expect(catalog.dataset.length).toBe(manifest.datasets.length);
  });

  it('is what the release wrote to data.json', async () => {
    const written = JSON.parse(await readFile(path.join(releaseDir, 'data.json'), 'utf8'));
    const validate = dcatValidator();
    expect(validate(written), messages(validate.errors).join('\n')).toBe(true);
  });

  it('omits bureauCode and programCode, and the unmodified federal schema rejects it for those alone', () => {
    const catalog = buildDcatCatalog(manifest, BASE);
    for (const d of catalog.dataset) for (const k of NON_FEDERAL_OMITTED) expect(d).not.toHaveProperty(k);
    const federal = dcatValidator({ federal: true });
    expect(federal(catalog)).toBe(false);
    const missing = new Set((federal.errors ?? []).filter((e) => e.keyword === 'required').map((e) => (e.params as { missingProperty: string }).missingProperty));
    expect([...missing].sort()).toEqual([...NON_FEDERAL_OMITTED].sort());
    expect((federal.errors ?? []).every((e) => e.keyword === 'required')).toBe(true);
  });

  it('fails when a required field is removed (title)', () => {
    const catalog = structuredClone(buildDcatCatalog(manifest, BASE));
    delete (catalog.dataset[0] as Partial<(typeof catalog.dataset)[0]>).title;
    const validate = dcatValidator();
    expect(validate(catalog)).toBe(false);
    expect(validate.errors?.some((e) => e.keyword === 'required' && (e.params as { missingProperty: string }).missingProperty === 'title')).toBe(true);
  });

  it('fails on a malformed contact email and an unknown accessLevel', () => {
    const catalog = structuredClone(buildDcatCatalog(manifest, BASE)) as { dataset: Record<string, unknown>[] };
    catalog.dataset[0].contactPoint = { fn: 'x', hasEmail: 'opendata@example.org' };
    catalog.dataset[1].accessLevel = 'open';
    const validate = dcatValidator();
    expect(validate(catalog)).toBe(false);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    expect(paths).toContain('/dataset/0/contactPoint/hasEmail');
    expect(paths).toContain('/dataset/1/accessLevel');
  });

  it('carries the fields a data portal is expected to emit', () => {
    const d = buildDcatCatalog(manifest, BASE).dataset[0];
    expect(d.contactPoint.hasEmail).toMatch(/^mailto:/);
    expect(d.accrualPeriodicity).toBe('R/P1D');
    expect(d.spatial).toBe('Demo City');
    expect(d.describedBy).toBe(`${BASE}/api/views/${manifest.datasets[0].id}.json`);
    expect(d.distribution.map((x) => x.mediaType).sort()).toEqual(['application/json', 'application/vnd.apache.parquet', 'text/csv']);
  });
});

describe('Frictionless datapackage.json', () => {
  it('validates against the v1 data package / tabular data resource profile', () => {
    const pkg = buildDataPackage(manifest, BASE);
    const validate = dataPackageValidator();
    expect(validate(pkg), messages(validate.errors).join('\n')).toBe(true);
  });

  it('has one resource per published file, CSV as tabular-data-resource with a typed schema', () => {
    const pkg = buildDataPackage(manifest);
    const files = manifest.datasets.flatMap((d) => d.files);
    expect(pkg.resources).toHaveLength(files.length);
    expect(new Set(pkg.resources.map((r) => r.name)).size).toBe(files.length);
    const csv = pkg.resources.filter((r) => r.format === 'csv');
    expect(csv.length).toBe(manifest.datasets.length);
    for (const r of csv) {
      expect(r.profile).toBe('tabular-data-resource');
      expect(r.mediatype).toBe('text/csv');
    }
    for (const r of pkg.resources.filter((x) => x.format !== 'csv')) expect(r.profile).toBe('data-resource');
    const offenses = manifest.datasets.find((d) => d.slug === 'offenses')!;
    const res = pkg.resources.find((r) => r.name === 'offenses-csv')!;
    expect(res.schema.fields.map((f) => f.name)).toEqual(offenses.columns.map((c) => c.name));
    expect(res.schema.primaryKey).toEqual([offenses.rowKey]);
    expect(res.schema.fields.find((f) => f.name === offenses.rowKey)!.constraints).toEqual({ required: true, unique: true });
    expect(res.schema.fields.find((f) => f.name === 'occurred_hour')).toMatchObject({ type: 'datetime', format: '%Y-%m-%dT%H:%M:%S' });
    expect(res.schema.fields.find((f) => f.name === 'domestic_violence')!.type).toBe('boolean');
    expect(res.schema.fields.find((f) => f.name === 'latitude')!.type).toBe('number');
  });

  it('hashes (sha256:-prefixed) and sizes match the files on disk, at paths relative to the release', async () => {
    const pkg = buildDataPackage(manifest);
    for (const r of pkg.resources) {
      expect(r.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
      const buf = await readFile(path.join(releaseDir, r.path));
      expect(r.bytes).toBe(buf.length);
      expect(r.hash).toBe(`sha256:${createHash('sha256').update(buf).digest('hex')}`);
    }
  });

  it('the CSV header is the schema field order', async () => {
    const pkg = buildDataPackage(manifest);
    for (const r of pkg.resources.filter((x) => x.format === 'csv')) {
      const text = await readFile(path.join(releaseDir, r.path), 'utf8');
      expect(text.split('\n')[0].split(',')).toEqual(r.schema.fields.map((f) => f.name));
    }
  });

  it('is rejected by the profile when a tabular resource loses its schema or gets a bare sha256', () => {
    const validate = dataPackageValidator();
    const noSchema = structuredClone(buildDataPackage(manifest)) as unknown as { resources: Record<string, unknown>[] };
    delete noSchema.resources.find((r) => r.profile === 'tabular-data-resource')!.schema;
    expect(validate(noSchema)).toBe(false);
    const badHash = structuredClone(buildDataPackage(manifest)) as unknown as { resources: Record<string, unknown>[] };
    badHash.resources[0].hash = 'f'.repeat(64); // unprefixed means MD5 in v1, which is 32 hex digits
    expect(validate(badHash)).toBe(false);
    const absolute = structuredClone(buildDataPackage(manifest)) as unknown as { resources: Record<string, unknown>[] };
    absolute.resources[0].path = '/etc/passwd';
    expect(validate(absolute)).toBe(false);
  });
});

describe('schema.org Dataset JSON-LD', () => {
  it('names each dataset, with a 50–5000 character description, coverage, variables and downloads', () => {
    for (const d of manifest.datasets) {
      const ld = datasetJsonLd(d, manifest, BASE) as Record<string, any>;
      expect(ld['@context']).toBe('https://schema.org/');
      expect(ld['@type']).toBe('Dataset');
      expect(ld.name).toBe(d.name);
      expect(ld.description.length).toBeGreaterThanOrEqual(50);
      expect(ld.description.length).toBeLessThanOrEqual(5000);
      expect(ld.license).toMatch(/^https:\/\//);
      expect(ld.dateModified).toBe(d.updatedAt);
      expect(ld.temporalCoverage).toBe(`${d.temporal.start}/${d.temporal.end}`);
      expect(ld.spatialCoverage).toEqual({ '@type': 'Place', name: 'Demo City' });
      expect(ld.variableMeasured.map((v: { name: string }) => v.name)).toEqual(d.columns.map((c) => c.name));
      expect(ld.creator.name).toBe(manifest.agency.name);
      expect(ld.publisher.name).toBe(manifest.agency.name);
      expect(ld.distribution).toHaveLength(d.files.length);
      for (const dl of ld.distribution) {
        expect(dl['@type']).toBe('DataDownload');
        expect(dl.contentUrl).toMatch(new RegExp(`^${BASE}/datasets/${d.id}/rows\\.(csv|parquet|json)$`));
        expect(dl.encodingFormat).toMatch(/\//);
      }
    }
  });
});
