// Atom feed of the releases of one dataset (/datasets/:id/feed.atom), one entry per retained release.
import type { Manifest } from '../../publisher/manifest.ts';
import { formatInt } from '../format.ts';
import { escapeHtml as x } from '../html.ts';

export function datasetFeed(origin: string, datasetId: string, manifests: Manifest[], now: Date): string | null {
  const entries = manifests.flatMap((m) => {
    const ds = m.datasets.find((d) => d.id === datasetId);
    return ds ? [{ m, ds }] : [];
  });
  if (!entries.length) return null;
  const latest = entries[0];
  const page = `${origin}/datasets/${datasetId}`;
  const updated = entries.map((e) => e.m.createdAt).sort().at(-1) ?? now.toISOString();
  const items = entries.map(({ m, ds }) => {
    const withheld = Object.values(ds.report.withheldByRule).reduce((a, b) => a + b, 0);
    const summary = `${formatInt(ds.rowCount)} rows published (${formatInt(ds.report.rowsRead)} read, ${formatInt(withheld)} withheld by rule, ${formatInt(ds.report.quarantined)} quarantined). Covers ${ds.temporal.start ?? '…'} to ${ds.temporal.end ?? '…'}.`;
    return `<entry>
<id>${x(`${page}/releases/${m.releaseId}`)}</id>
<title>${x(`${ds.name}: release ${m.releaseId}`)}</title>
<updated>${x(m.createdAt)}</updated>
<published>${x(m.createdAt)}</published>
<link rel="alternate" type="text/html" href="${x(page)}"/>
<summary>${x(summary)}</summary>
</entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>${x(`${page}/feed.atom`)}</id>
<title>${x(`${latest.ds.name}: releases`)}</title>
<subtitle>${x(`Each published release of ${latest.ds.name} from ${latest.m.agency.name}.`)}</subtitle>
<updated>${x(updated)}</updated>
<link rel="self" type="application/atom+xml" href="${x(`${page}/feed.atom`)}"/>
<link rel="alternate" type="text/html" href="${x(page)}"/>
<author><name>${x(latest.m.agency.name)}</name><email>${x(latest.m.agency.contactEmail)}</email></author>
${items.join('\n')}
</feed>
`;
}
