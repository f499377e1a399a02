// /privacy/report — what the privacy rules did in the current release: per dataset the rows each
// rule changed or withheld, row totals, k-anonymity and suppressed chart cells; then the scan gate.
import type { DatasetManifest, Manifest } from '../../publisher/manifest.ts';
import { formatInt } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { COUNT_NOTE, countCell, privacyLayout, ruleHref, ruleLink, ruleOrder } from './common.ts';
import type { PrivacyData } from './load.ts';
import { kAchieved, scanFacts } from './report-parts.ts';

function datasetSection(data: PrivacyData, ds: DatasetManifest): SafeHtml {
  const r = ds.report;
  const counts = data.report.datasets[ds.id];
  const touched = counts?.touchedByRule ?? {};
  const withheld = counts?.withheldByRule ?? {};
  const ids = [...new Set([...Object.keys(touched), ...Object.keys(withheld)])].sort(ruleOrder);
  const totalWithheld = Object.values(r.withheldByRule).reduce((a, b) => a + b, 0);
  const k = r.kAnonymity;
  const anchor = `ds-${ds.id}`;
  const table = ids.length
    ? html`<div class="table-wrap"><table>
<caption>Rules that changed or withheld rows of ${ds.name}</caption>
<thead><tr><th scope="col">Rule</th><th scope="col">Title</th><th scope="col" class="num">Rows changed</th><th scope="col" class="num">Rows withheld</th></tr></thead>
<tbody>${ids.map((id) => {
        const rule = data.byId.get(id);
        return html`<tr><th scope="row">${rule ? ruleLink(id) : html`<code>${id}</code>`}</th><td>${rule ? html`<a href="${ruleHref(id)}">${rule.title}</a>` : html`<span class="meta">not in the catalog</span>`}</td>${countCell(touched[id])}${countCell(withheld[id])}</tr>`;
      })}</tbody>
</table></div>`
    : html`<p>No rule changed or withheld rows of this dataset.</p>`;
  return html`<section aria-labelledby="${anchor}">
<h2 id="${anchor}"><a href="/datasets/${ds.id}">${ds.name}</a></h2>
<dl class="facts">
<dt>Rows read</dt><dd>${formatInt(r.rowsRead)}</dd>
<dt>Quarantined</dt><dd>${formatInt(r.quarantined)}</dd>
<dt>Withheld by rules</dt><dd>${formatInt(totalWithheld)}</dd>
<dt>Published</dt><dd>${formatInt(r.published)}</dd>
<dt>k achieved</dt><dd>${kAchieved(k)}${k ? html` (required: ${formatInt(k.required)})` : ''}</dd>
${k ? html`<dt>Rows below k before treatment</dt><dd>${formatInt(k.rowsBelowK)}</dd>` : ''}
<dt>Chart cells suppressed</dt><dd>${counts ? formatInt(counts.suppressedCells) : html`<span class="meta">not reported</span>`}</dd>
</dl>
${table}
</section>`;
}

export function reportPage(manifest: Manifest, data: PrivacyData, now: Date): string {
  const scan = data.report.scan;
  const body = html`<p class="crumbs"><a href="/privacy">Privacy rules</a></p>
<h1>Privacy report</h1>
<p>What the <a href="/privacy">privacy rules</a> did to the current release (<code>${manifest.releaseId}</code>).
“Rows changed” counts rows where a rule made a published value differ from the source record; “rows withheld”
counts rows kept out of the release entirely.</p>
${COUNT_NOTE}
<p>Scan gate: ${'skipped' in scan ? 'did not run' : scan.passed ? 'passed' : 'failed'} (<a href="#scan">details</a>).</p>
<nav aria-label="Datasets in this report"><ul>${manifest.datasets.map((ds) => html`<li><a href="#ds-${ds.id}">${ds.name}</a></li>`)}</ul></nav>
${manifest.datasets.map((ds) => datasetSection(data, ds))}
<section aria-labelledby="scan">
<h2 id="scan">Scan gate${data.byId.has('X3') ? html` (${ruleLink('X3')})` : ''}</h2>
<p>Before the release was switched in, every artifact was searched for identifying patterns and for the
source values (names, phone numbers, ids, serials) that must never be published.</p>
${scanFacts(scan)}
</section>`;
  return privacyLayout(manifest, 'Privacy report', body, now);
}
