// Home page: the datasets of the current release, each with description, rows and last update.
import type { Manifest } from '../../publisher/manifest.ts';
import { formatAge, formatDateTime, formatInt } from '../format.ts';
import { html } from '../html.ts';
import { layout } from '../layout.ts';

export function homePage(manifest: Manifest, now: Date): string {
  const tz = manifest.agency.timezone;
  const items = manifest.datasets.map(
    (ds) => html`<li>
<h2><a href="/datasets/${ds.id}">${ds.name}</a></h2>
<p>${ds.description}</p>
<dl class="facts">
<dt>Rows</dt><dd>${formatInt(ds.rowCount)}</dd>
<dt>Last updated</dt><dd><time datetime="${ds.updatedAt}">${formatDateTime(ds.updatedAt, tz)}</time> <span class="meta">(${formatAge(ds.updatedAt, now)})</span></dd>
<dt>Category</dt><dd>${ds.category}</dd>
</dl>
</li>`,
  );
  const body = html`<h1>${manifest.agency.name} open data</h1>
<p>Published records from ${manifest.agency.name}. Each dataset has a data dictionary, bulk downloads and an API.
Questions: <a href="mailto:${manifest.agency.contactEmail}">${manifest.agency.contactEmail}</a>.</p>
<p class="meta">Current release <code>${manifest.releaseId}</code>, published <time datetime="${manifest.createdAt}">${formatDateTime(manifest.createdAt, tz)}</time>.</p>
<p>Also: the <a href="/brief">public safety brief</a> (this year so far against last year),
<a href="/surveillance">surveillance technology disclosures</a> and the
<a href="/fees/body-worn-video">body-worn video redaction fee estimator</a>.</p>
${
  manifest.datasets.length
    ? html`<ul class="datasets" aria-label="Datasets">${items}</ul>`
    : html`<p>This release contains no datasets.</p>`
}`;
  return layout({
    title: 'Datasets',
    agencyName: manifest.agency.name,
    body,
    generatedAt: now,
    releaseId: manifest.releaseId,
    nav: 'datasets',
  });
}
