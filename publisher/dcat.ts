// DCAT-US 1.1 catalog (data.json) for a release. bureauCode and programCode are federal-only
// fields: a city is not a federal bureau, so they are omitted (documented in docs/architecture.md).
import type { DatasetManifest, Manifest } from './manifest.ts';

const MEDIA: Record<string, string> = { csv: 'text/csv', parquet: 'application/vnd.apache.parquet', json: 'application/json' };

function cronToPeriodicity(cron: string): string {
  const parts = cron.trim().split(/\s+/);
  if (parts.length >= 5 && parts[2] === '*' && parts[3] === '*' && parts[4] === '*') return 'R/P1D';
  if (parts.length >= 5 && parts[2] === '*' && parts[3] === '*') return 'R/P1W';
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
    license: 'https://opendatacommons.org/licenses/pddl/1-0/',
    landingPage: landing,
    describedBy: `${baseUrl}/api/views/${d.id}.json`,
    describedByType: 'application/json',
    accrualPeriodicity: cronToPeriodicity(d.schedule),
    ...(d.temporal.start && d.temporal.end ? { temporal: `${d.temporal.start.slice(0, 10)}/${d.temporal.end.slice(0, 10)}` } : {}),
    theme: [d.category],
    distribution: d.files.map((f) => ({
      '@type': 'dcat:Distribution',
      downloadURL: `${baseUrl}/datasets/${d.id}/${f.path.split('/').pop()}`,
      mediaType: MEDIA[f.format],
      format: f.format.toUpperCase(),
      title: `${d.name} (${f.format.toUpperCase()})`,
    })),
  };
}

export function buildDcatCatalog(m: Manifest, baseUrl: string) {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    '@context': 'https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld',
    '@type': 'dcat:Catalog',
    conformsTo: 'https://project-open-data.cio.gov/v1.1/schema',
    describedBy: 'https://project-open-data.cio.gov/v1.1/schema/catalog.json',
    dataset: m.datasets.map((d) => datasetEntry(d, m, base)),
  };
}
