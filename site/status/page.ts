// The /status page: is a release serving, how did recent runs go, and when does each dataset run
// next. Errors come from pipelines/status.ts already cut to their first line (200 characters).
import type { StatusReport } from '../../pipelines/status.ts';
import { describeCron } from '../../pipelines/schedule.ts';
import { formatDateTime, formatInt } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { layout } from '../layout.ts';

function when(iso: string | null | undefined, tz: string): SafeHtml {
  if (!iso) return html`<span class="meta">never</span>`;
  return html`<time datetime="${iso}">${formatDateTime(iso, tz)}</time>`;
}

function duration(startedAt: string, endedAt: string): string {
  const ms = Date.parse(endedAt) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return '—';
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

export function statusPage(s: StatusReport, names: Map<string, string>, agencyName: string | undefined, now: Date): string {
  const tz = s.timezone;
  const name = (id: string) => names.get(id) ?? id;
  const datasets = s.datasets.map(
    (d) => html`<tr><th scope="row">${names.has(d.id) ? html`<a href="/datasets/${d.id}">${name(d.id)}</a>` : name(d.id)}<br><span class="meta"><code>${d.id}</code></span></th>
<td>${d.lastSuccess ? html`${when(d.lastSuccess.at, tz)}${d.lastSuccess.releaseId ? html`<br><span class="meta">release <code>${d.lastSuccess.releaseId}</code></span>` : ''}` : when(null, tz)}</td>
<td>${d.lastFailure ? html`${when(d.lastFailure.at, tz)}${d.lastFailure.error ? html`<br><span class="meta">${d.lastFailure.error}</span>` : ''}` : when(null, tz)}</td>
<td>${d.nextRun ? when(d.nextRun, tz) : html`<span class="meta">not scheduled</span>`}${d.schedule ? html`<br><span class="meta">${describeCron(d.schedule)}</span>` : ''}</td></tr>`,
  );
  const runs = s.recent.map(
    (r) => html`<tr><th scope="row">${when(r.startedAt, tz)}</th><td>${r.status === 'succeeded' ? 'Succeeded' : html`<strong>Failed</strong>`}</td>
<td class="num">${duration(r.startedAt, r.endedAt)}</td><td>${r.datasets.map((id, i) => html`${i ? ', ' : ''}${name(id)}`)}</td>
<td>${r.releaseId ? html`<code>${r.releaseId}</code>` : html`<span class="meta">none</span>`}</td><td>${r.error ?? ''}</td></tr>`,
  );
  const body = html`<h1>Publishing status</h1>
<p>${s.ok ? 'All datasets published on their last run.' : s.release ? 'The last run of at least one dataset failed; the portal keeps serving the last good release.' : 'No release is published yet.'}</p>
<dl class="facts">
<dt>Release serving</dt><dd>${s.release ? html`<code>${s.release}</code>` : 'none'}</dd>
<dt>Last run</dt><dd>${s.lastRun ? html`${when(s.lastRun.startedAt, tz)} (${s.lastRun.status})` : 'none recorded'}</dd>
<dt>Runs recorded</dt><dd>${formatInt(s.counts.runs)} (${formatInt(s.counts.succeeded)} succeeded, ${formatInt(s.counts.failed)} failed)</dd>
<dt>Times shown in</dt><dd>${tz}</dd>
</dl>
<p>Machine-readable: <a href="/status.json">/status.json</a>.</p>
<h2>Datasets</h2>
${s.datasets.length ? html`<div class="table-wrap"><table>
<caption>Last success, last failure and next scheduled run of each dataset</caption>
<thead><tr><th scope="col">Dataset</th><th scope="col">Last success</th><th scope="col">Last failure</th><th scope="col">Next scheduled run</th></tr></thead>
<tbody>${datasets}</tbody>
</table></div>` : html`<p>No datasets are scheduled.</p>`}
<h2>Recent runs</h2>
${s.recent.length ? html`<div class="table-wrap"><table>
<caption>The ${formatInt(s.recent.length)} most recent runs, newest first</caption>
<thead><tr><th scope="col">Started</th><th scope="col">Result</th><th scope="col">Duration</th><th scope="col">Datasets</th><th scope="col">Release</th><th scope="col">Error (first line)</th></tr></thead>
<tbody>${runs}</tbody>
</table></div>` : html`<p>No runs are recorded yet.</p>`}`;
  return layout({ title: 'Publishing status', agencyName, body, generatedAt: now, releaseId: s.release });
}
