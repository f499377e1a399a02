// The page listing a large dataset's Parquet files, one per month (publisher/parts.ts): CSV and
// JSON are served as one file each, but Parquet files cannot be joined by concatenation.
import type { DatasetManifest, FileManifest, Manifest } from '../../publisher/manifest.ts';
import { formatBytes, formatInt } from '../format.ts';
import { html } from '../html.ts';
import { layout } from '../layout.ts';

/** The URL a part file is served under. */
export const partUrl = (ds: DatasetManifest, partPath: string): string =>
  `/datasets/${ds.id}/parts/${encodeURIComponent(partPath.split('/').at(-1)!)}`;

export function parquetPartsPage(manifest: Manifest, ds: DatasetManifest, file: FileManifest, now: Date): string {
  const parts = file.parts ?? [];
  const body = html`<p><a href="/datasets/${ds.id}">${ds.name}</a></p>
<h1>${ds.name}: Parquet files by month</h1>
<p>${formatInt(ds.rowCount)} rows in ${formatInt(parts.length)} Parquet files (${formatBytes(file.bytes)} in all), one per month of
<code>${ds.timeColumn ?? ds.rowKey}</code>; rows without one are in <code>undated</code>. Read them together with, for example,
DuckDB's <code>read_parquet(['…', '…'])</code>. Each file's SHA-256 is below and in the release manifest.</p>
<div class="table-wrap"><table>
<caption>Parquet files of ${ds.name}</caption>
<thead><tr><th scope="col">Month</th><th scope="col">Rows</th><th scope="col">Size</th><th scope="col">SHA-256</th></tr></thead>
<tbody>${parts.map((p) => html`<tr><th scope="row"><a href="${partUrl(ds, p.path)}" download>${p.month ?? p.path.split('/').at(-1)}</a></th>
<td>${formatInt(p.rows)}</td><td>${formatBytes(p.bytes)}</td><td><code>${p.sha256}</code></td></tr>`)}</tbody>
</table></div>`;
  return layout({ title: `${ds.name}: Parquet files`, agencyName: manifest.agency.name, body, generatedAt: now, releaseId: manifest.releaseId });
}
