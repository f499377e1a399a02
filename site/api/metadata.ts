// Socrata metadata shapes: /api/views/{id}.json (sodapy get_metadata) and /api/catalog/v1
// (sodapy datasets()). Built from the release manifest only.
import type { DatasetManifest, Manifest, PublishedType } from '../../publisher/manifest.ts';
import { sodaType } from '../db.ts';

/** Socrata's dataTypeName for a published type: the same mapping as the X-SODA2-Types header. */
export const dataTypeName = (t: PublishedType): string => sodaType(t);

const epochSeconds = (iso: string): number | null => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : Math.floor(t / 1000);
};

export function viewMetadata(m: Manifest, ds: DatasetManifest, baseUrl: string) {
  return {
    id: ds.id,
    name: ds.name,
    description: ds.description,
    category: ds.category,
    tags: ds.keywords,
    assetType: 'dataset',
    displayType: 'table',
    viewType: 'tabular',
    attribution: m.agency.name,
    createdAt: epochSeconds(ds.updatedAt),
    rowsUpdatedAt: epochSeconds(ds.updatedAt),
    viewLastModified: epochSeconds(m.createdAt),
    publicationDate: epochSeconds(m.createdAt),
    rowCount: ds.rowCount,
    license: { name: 'Open Data Commons Public Domain Dedication and License', termsLink: 'https://opendatacommons.org/licenses/pddl/1-0/' },
    columns: ds.columns.map((c, i) => ({
      id: i + 1,
      name: c.title,
      fieldName: c.name,
      dataTypeName: dataTypeName(c.type),
      renderTypeName: dataTypeName(c.type),
      position: i + 1,
      description: c.description,
    })),
    metadata: {
      rowIdentifier: ds.rowKey,
      release: m.releaseId,
      rulesApplied: ds.rulesApplied,
      schedule: ds.schedule,
      custom_fields: { Temporal: { Start: ds.temporal.start, End: ds.temporal.end } },
    },
    links: {
      api: `${baseUrl}/resource/${ds.id}.json`,
      csv: `${baseUrl}/api/views/${ds.id}/rows.csv`,
      page: `${baseUrl}/datasets/${ds.id}`,
    },
  };
}

export interface CatalogQuery {
  ids?: string[];
  q?: string;
  limit: number;
  offset: number;
}

export function catalog(m: Manifest, baseUrl: string, host: string, query: CatalogQuery) {
  let list = m.datasets;
  if (query.ids?.length) list = list.filter((d) => query.ids!.includes(d.id));
  if (query.q) {
    const needle = query.q.toLowerCase();
    list = list.filter((d) => [d.name, d.description, d.category, ...d.keywords].some((s) => s.toLowerCase().includes(needle)));
  }
  const page = list.slice(query.offset, query.offset + query.limit);
  return {
    resultSetSize: list.length,
    results: page.map((d) => ({
      resource: {
        id: d.id,
        name: d.name,
        description: d.description,
        type: 'dataset',
        updatedAt: d.updatedAt,
        createdAt: d.updatedAt,
        data_updated_at: d.updatedAt,
        columns_field_name: d.columns.map((c) => c.name),
        columns_name: d.columns.map((c) => c.title),
        columns_datatype: d.columns.map((c) => dataTypeName(c.type)),
        columns_description: d.columns.map((c) => c.description),
        attribution: m.agency.name,
      },
      classification: { categories: [d.category], tags: d.keywords, domain_category: d.category, domain_tags: d.keywords },
      metadata: { domain: host, license: 'Open Data Commons Public Domain Dedication and License' },
      permalink: `${baseUrl}/datasets/${d.id}`,
      link: `${baseUrl}/datasets/${d.id}`,
    })),
    timings: { serviceMillis: 0, searchMillis: [0, 0] },
  };
}
