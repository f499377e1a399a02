// /privacy/rules/:id — one rule in plain language: why, on what basis, how it is enforced, the
// published columns it shapes, its review history and what it did in the current release.
import type { Manifest } from '../../publisher/manifest.ts';
import { formatInt } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { COUNT_NOTE, countCell, datasetLink, governed, governedIds, privacyLayout, statusBadge } from './common.ts';
import type { PrivacyData } from './load.ts';
import { kCells, scanFacts } from './report-parts.ts';
import type { PublishedRule } from './schema.ts';

const uses = (rule: PublishedRule, technique: string): boolean => rule.steps.some((s) => s.technique === technique);

function steps(rule: PublishedRule): SafeHtml {
  if (!rule.steps.length) return html`<p>This rule has no enforcement steps.</p>`;
  return html`<ol>${rule.steps.map(
    (s) => html`<li><p><strong>${s.summary}</strong> <span class="meta">(technique <code>${s.technique}</code>${s.dataset ? html`, for <code>${s.dataset}</code> only` : ''})</span></p>
${s.description ? html`<p>How: ${s.description}</p>` : ''}
<p>Fields: ${s.fields.length ? s.fields.map((f, i) => html`${i ? ', ' : ''}<code>${f}</code>`) : html`<span class="meta">none listed; the step works on whole rows, charts or the release as described above</span>`}</p>
${Object.keys(s.params).length ? html`<details><summary>Exact parameters</summary><pre>${JSON.stringify(s.params, null, 2)}</pre></details>` : ''}</li>`,
  )}</ol>`;
}

function columns(manifest: Manifest, rule: PublishedRule): SafeHtml {
  const rows = manifest.datasets.flatMap((ds) => ds.columns.filter((c) => c.rules.includes(rule.id)).map((c) => ({ ds, c })));
  if (!rows.length) {
    return html`<p>No published column lists this rule: it acts on whole rows, on charts or on the release as a whole.</p>`;
  }
  return html`<div class="table-wrap"><table>
<caption>Published columns shaped by ${rule.id} (${formatInt(rows.length)})</caption>
<thead><tr><th scope="col">Dataset</th><th scope="col">Column</th><th scope="col">Title</th></tr></thead>
<tbody>${rows.map(({ ds, c }) => html`<tr><td><a href="/datasets/${ds.id}">${ds.name}</a></td><th scope="row"><code>${c.name}</code></th><td>${c.title}</td></tr>`)}</tbody>
</table></div>`;
}

function history(rule: PublishedRule): SafeHtml {
  if (!rule.review.length) return html`<p>No review is recorded.</p>`;
  return html`<div class="table-wrap"><table>
<caption>Review history of ${rule.id}</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Reviewed by</th><th scope="col">Action</th><th scope="col">Note</th></tr></thead>
<tbody>${rule.review.map(
    (r) => html`<tr><th scope="row"><time datetime="${r.at}">${r.at}</time></th><td>${r.by}</td><td>${r.action}</td><td>${r.note}</td></tr>`,
  )}</tbody>
</table></div>`;
}

function hits(manifest: Manifest, data: PrivacyData, rule: PublishedRule): SafeHtml {
  const ids = governedIds(manifest, rule);
  const cells = uses(rule, 'small_cell_suppression');
  const k = uses(rule, 'k_anonymity');
  const scan = uses(rule, 'scan_gate') ? html`<h3>Scan gate result</h3>${scanFacts(data.report.scan)}` : '';
  if (!ids.length) return html`<p>No dataset of this release is governed by this rule.</p>${scan}`;
  return html`<div class="table-wrap"><table>
<caption>What ${rule.id} did in release ${manifest.releaseId}, by dataset</caption>
<thead><tr><th scope="col">Dataset</th><th scope="col" class="num">Rows changed</th><th scope="col" class="num">Rows withheld</th>${
    cells ? html`<th scope="col" class="num">Chart cells suppressed</th>` : ''
  }${k ? html`<th scope="col" class="num">k achieved</th><th scope="col" class="num">k required</th><th scope="col" class="num">Rows below k before treatment</th>` : ''}</tr></thead>
<tbody>${ids.map((id) => {
    const ds = manifest.datasets.find((d) => d.id === id)!;
    const r = ds.report;
    return html`<tr><th scope="row">${datasetLink(manifest, id)}</th>${countCell(r.touchedByRule[rule.id])}${countCell(r.withheldByRule[rule.id])}${
      cells ? countCell(data.report.datasets[id]?.suppressedCells) : ''
    }${k ? kCells(r.kAnonymity) : ''}</tr>`;
  })}</tbody>
</table></div>
${COUNT_NOTE}
${scan}`;
}

export function rulePage(manifest: Manifest, data: PrivacyData, rule: PublishedRule, now: Date): string {
  const body = html`<p class="crumbs"><a href="/privacy">Privacy rules</a> · <a href="/privacy/report">Privacy report</a></p>
<h1><code>${rule.id}</code>: ${rule.title}</h1>
<dl class="facts">
<dt>Status</dt><dd>${statusBadge(rule.status)}</dd>
<dt>Governs</dt><dd>${governed(manifest, rule)}</dd>
<dt>Basis</dt><dd>${rule.basis}</dd>
</dl>
<h2>Why this rule exists</h2>
<p>${rule.rationale}</p>
<h2>How it is enforced</h2>
${steps(rule)}
<h2>Published columns it shapes</h2>
${columns(manifest, rule)}
<h2>In the current release</h2>
${hits(manifest, data, rule)}
<h2>Review history</h2>
${history(rule)}`;
  return privacyLayout(manifest, `${rule.id}: ${rule.title}`, body, now);
}
