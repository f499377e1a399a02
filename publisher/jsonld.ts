// schema.org `Dataset` JSON-LD for a dataset page, for dataset search engines. It is embedded as
// <script type="application/ld+json">: a data block, which browsers never execute (CSP script-src
// does not apply to it), but the HTML parser still ends it at `</script`, so every `<` in the JSON
// is written as \u003c (`jsonLdScript`).
import { downloadUrl, jurisdictionOf, LICENSE_URL, MEDIA_TYPES } from './dcat.ts';
import type { DatasetManifest, Manifest } from './manifest.ts';

export const DESCRIPTION_MIN = 50;
export const DESCRIPTION_MAX = 5000;

/** A description within schema.org's recommended 50–5000 characters. */
export function jsonLdDescription(d: Pick<DatasetManifest, 'name' | 'description'>, agencyName: string): string {
  let text = d.description.trim().replace(/\s+/g, ' ');
  if (text.length < DESCRIPTION_MIN) {
    text = `${text ? `${text} ` : ''}${d.name}: open data published by ${agencyName}, after its privacy rules were applied.`;
  }
  if (text.length > DESCRIPTION_MAX) {
    const cut = text.slice(0, DESCRIPTION_MAX - 1);
    const space = cut.lastIndexOf(' ');
    text = `${space > DESCRIPTION_MAX / 2 ? cut.slice(0, space) : cut}…`;
  }
  return text;
}

/** ISO 8601 interval of the rows' time span; an open end is `..`. */
function temporalCoverage(t: DatasetManifest['temporal']): string | undefined {
  if (!t.start && !t.end) return undefined;
  return `${t.start ?? '..'}/${t.end ?? '..'}`;
}

export function datasetJsonLd(d: DatasetManifest, m: Manifest, baseUrl: string): Record<string, unknown> {
  const base = baseUrl.replace(/\/+$/, '');
  const landing = `${base}/datasets/${d.id}`;
  const agency = {
    '@type': 'Organization',
    name: m.agency.name,
    email: m.agency.contactEmail,
    contactPoint: { '@type': 'ContactPoint', contactType: 'open data', email: m.agency.contactEmail },
  };
  const temporal = temporalCoverage(d.temporal);
  return {
    '@context': 'https://schema.org/',
    '@type': 'Dataset',
    '@id': landing,
    name: d.name,
    description: jsonLdDescription(d, m.agency.name),
    url: landing,
    identifier: d.id,
    keywords: d.keywords,
    license: LICENSE_URL,
    isAccessibleForFree: true,
    dateModified: d.updatedAt,
    ...(temporal ? { temporalCoverage: temporal } : {}),
    spatialCoverage: { '@type': 'Place', name: jurisdictionOf(m.agency.name) },
    variableMeasured: d.columns.map((c) => ({ '@type': 'PropertyValue', name: c.name, alternateName: c.title, description: c.description })),
    creator: agency,
    publisher: agency,
    includedInDataCatalog: { '@type': 'DataCatalog', name: `${m.agency.name} open data`, url: `${base}/` },
    distribution: d.files.map((f) => ({
      '@type': 'DataDownload',
      name: `${d.name} (${f.format.toUpperCase()})`,
      encodingFormat: MEDIA_TYPES[f.format],
      contentUrl: downloadUrl(base, d, f),
      contentSize: `${f.bytes} B`,
      sha256: f.sha256,
    })),
  };
}

/** JSON for a <script type="application/ld+json"> block: no `<` survives, so no `</script>` or `<!--`. */
export function jsonLdScript(value: unknown): string {
  const json = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `<script type="application/ld+json">${json}</script>`;
}
