// The /api help page: endpoints, datasets and copy-paste examples (curl, Python sodapy, R RSocrata, SQL).
import type { Manifest } from '../../publisher/manifest.ts';
import { html } from '../html.ts';
import { layout } from '../layout.ts';
import type { SqlLimits } from './sql-sandbox.ts';

export function apiPage(m: Manifest | null, origin: string, now: Date, sql: SqlLimits): string {
  const ds = m?.datasets[0];
  const id = ds?.id ?? 'abcd-1234';
  const table = ds ? ds.slug.replace(/-/g, '_') : 'calls_for_service';
  const textCol = ds?.columns.find((c) => c.type === 'text' && c.name !== ds.rowKey)?.name ?? 'precinct';
  const host = origin.replace(/^https?:\/\//, '');
  const curl = `curl '${origin}/resource/${id}.json?$limit=5&$order=:id'
curl '${origin}/resource/${id}.csv?$select=${textCol},count(*)&$group=${textCol}'
curl -G '${origin}/resource/${id}.json' --data-urlencode "\\$where=${textCol} IS NOT NULL" --data-urlencode '$limit=10'
curl -G '${origin}/api/sql' --data-urlencode "sql=SELECT ${textCol}, count(*) AS n FROM ${table} GROUP BY 1 ORDER BY n DESC"`;
  const python = `from sodapy import Socrata

client = Socrata("${host}", None)  # or an app token
rows = client.get("${id}", where="${textCol} IS NOT NULL", limit=2000)
everything = list(client.get_all("${id}"))  # pages until a short page
meta = client.get_metadata("${id}")`;
  const r = `library(RSocrata)
df <- read.socrata("${origin}/resource/${id}.json")
counts <- read.socrata("${origin}/resource/${id}.csv?$select=${textCol},count(*)&$group=${textCol}")
catalog <- ls.socrata("${origin}")`;
  const datasets = m?.datasets ?? [];
  const body = html`<h1>API for researchers</h1>
<p>Everything here is read from the current published release. Scripts written for Socrata portals
(sodapy, RSocrata, soda-js) work unchanged. Machine-readable description: <a href="/api/openapi.json">OpenAPI 3.1</a>.</p>
<h2>Datasets</h2>
${
  datasets.length
    ? html`<div class="table-wrap"><table><caption>Dataset ids and SQL table names</caption><thead><tr><th>Dataset</th><th>Id</th><th>SQL table</th><th>Rows</th></tr></thead><tbody>${datasets.map(
        (d) => html`<tr><td><a href="/datasets/${d.id}">${d.name}</a></td><td><code>${d.id}</code></td><td><code>${d.slug.replace(/-/g, '_')}</code></td><td class="num">${d.rowCount}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p>No release has been published yet.</p>`
}
<h2>Endpoints</h2>
<ul>
<li><code>/resource/{id}.json</code>, <code>.csv</code>, <code>.geojson</code>: SoQL queries (<code>$select</code>, <code>$where</code>, <code>$order</code>, <code>$group</code>, <code>$having</code>, <code>$limit</code> (default 1000, up to 50000), <code>$offset</code>, <code>$q</code>, <code>$query</code>, <code>column=value</code>).</li>
<li><code>/api/views/{id}.json</code>: metadata and columns. <code>/api/views/{id}/rows.csv</code> and <code>rows.json</code>: the whole dataset, never capped.</li>
<li><code>/api/catalog/v1</code> and <a href="/data.json"><code>/data.json</code></a> (DCAT-US): the catalog.</li>
<li><code>/api/sql?sql=…</code> (GET or POST): one read-only <code>SELECT</code> in DuckDB SQL; at most ${sql.rowCap} rows and ${sql.timeoutMs / 1000} s; <code>format=json|csv|arrow</code>.</li>
</ul>
<p>Send an app token as <code>X-App-Token</code> (or <code>$$app_token</code>) to be rate limited per token rather than per address.</p>
<p>Answers are gzipped for clients that send <code>Accept-Encoding: gzip</code> (sodapy, RSocrata, browsers and <code>curl --compressed</code> do); the whole-dataset files are sent as they are.</p>
<h2>curl</h2>
<pre><code>${curl}</code></pre>
<h2>Python (sodapy)</h2>
<pre><code>${python}</code></pre>
<h2>R (RSocrata)</h2>
<pre><code>${r}</code></pre>`;
  return layout({ title: 'API', agencyName: m?.agency.name, body, generatedAt: now, releaseId: m?.releaseId ?? null });
}
