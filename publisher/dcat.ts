// DCAT-US 1.1 catalog (data.json) for a release, valid against the official Project Open Data
// JSON Schemas (draft-04) except for the two federal-only fields: `bureauCode` and `programCode`
// are OMB codes for U.S. federal agencies, and the POD v1.1 guidance says "Only U.S. Federal
// agencies are required to fill out bureauCode and programCode". A city police department has
// neither, so they are omitted, never filled with a placeholder (docs/architecture.md, "Metadata
// choices"; tests/publisher/metadata-dcat.test.ts validates against the schema minus exactly these).
import type { DatasetManifest, FileManifest, Manifest } from './manifest.ts';

/** Required by the federal schema, omitted by a non-federal publisher (see above). */
export const NON_FEDERAL_OMITTED = ['bureauCode', 'programCode'] as const;

/** Every release is published under the Open Data Commons Public Domain Dedication and License. */
export const LICENSE_URL = 'https://opendatacommons.org/licenses/pddl/1-0/';

export const MEDIA_TYPES: Record<FileManifest['format'], string> = {
  csv: 'text/csv',
  parquet: 'application/vnd.apache.parquet',
  json: 'application/json',
};

/** The place an agency serves, from its name: "Demo City Police Department" → "Demo City". */
export function jurisdictionOf(agencyName: string): string {
  const place = agencyName
    .replace(/\s+(police|sheriff(?:'s)?|public safety)(\s+(department|dept\.?|office|bureau|service|services|agency))?\s*$/i, '')
    .trim();
  return place || agencyName;
}

/** The public URL of a dataset's bulk file (served by site/routes/pages.ts). */
export function downloadUrl(baseUrl: string, d: DatasetManifest, f: FileManifest): string {
  return `${baseUrl}/datasets/${d.id}/${f.path.split('/').pop()}`;
}

function cronToPeriodicity(cron: string): string {
  const parts = cron.trim().split(/\s+/);
  const f = parts.length === 6 ? parts.slice(1) : parts;
  if (f.length !== 5) return 'irregular';
  const [min, hour, dom, month, dow] = f;
  const fixed = (s: string) => /^\d+$/.test(s);
  if (fixed(min) && hour === '*' && dom === '*' && month === '*' && dow === '*') return 'R/PT1H';
  if (!fixed(min) || !fixed(hour)) return 'irregular';
  if (dom === '*' && month === '*' && dow === '*') return 'R/P1D';
  if (dom === '*' && month === '*' && fixed(dow)) return 'R/P1W';
  if (fixed(dom) && month === '*' && dow === '*') return 'R/P1M';
  return 'irregular';
}

function datasetEntry(d: DatasetManifest, m: Manifest, baseUrl: string) {
  const landing = `${baseUrl}/datasets/${d.id}`;
  return {
    '@type': 'dcat:Dataset',
    title: d.name,
    description: d.description,
    keyword: d.keywords,
    modified: d.updatedAt,
    issued: d.updatedAt,
    publisher: { '@type': 'org:Organization', name: m.agency.name },
    contactPoint: { '@type': 'vcard:Contact', fn: `${m.agency.name} open data`, hasEmail: `mailto:${m.agency.contactEmail}` },
    identifier: landing,
    accessLevel: 'public',
    license: LICENSE_URL,
    spatial: jurisdictionOf(m.agency.name),
    landingPage: landing,
    describedBy: `${baseUrl}/api/views/${d.id}.json`,
    describedByType: 'application/json',
    accrualPeriodicity: cronToPeriodicity(d.schedule),
    ...(d.temporal.start && d.temporal.end ? { temporal: `${d.temporal.start.slice(0, 10)}/${d.temporal.end.slice(0, 10)}` } : {}),
    theme: [d.category],
    distribution: d.files.map((f) => ({
      '@type': 'dcat:Distribution',
      downloadURL: downloadUrl(baseUrl, d, f),
      mediaType: MEDIA_TYPES[f.format],
      format: f.format.toUpperCase(),
      title: `${d.name} (${f.format.toUpperCase()})`,
    })),
  };
}

export function buildDcatCatalog(m: Manifest, baseUrl: string) {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    '@context': 'https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld',
    '@id': `${base}/data.json`,
    '@type': 'dcat:Catalog',
    conformsTo: 'https://project-open-data.cio.gov/v1.1/schema',
    describedBy: 'https://project-open-data.cio.gov/v1.1/schema/catalog.json',
    dataset: m.datasets.map((d) => datasetEntry(d, m, base)),
  };
}
