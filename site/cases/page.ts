// The case status lookup page: a form that works without JavaScript, and the public status of
// the report asked about. It never shows anything but the status and the day it was reported.
import type { Manifest } from '../../publisher/manifest.ts';
import { html } from '../html.ts';
import { layout } from '../layout.ts';

export type CaseAnswer =
  | { kind: 'ask' }
  | { kind: 'invalid'; report: string }
  | { kind: 'unavailable' }
  | { kind: 'not_found'; report: string }
  | { kind: 'found'; report: string; statuses: string[]; reported: string; datasetId: string };

function result(a: CaseAnswer) {
  switch (a.kind) {
    case 'ask': return html``;
    case 'invalid': return html`<p role="alert">That does not look like a report number: use 3 to 40 letters, digits, spaces or dashes.</p>`;
    case 'unavailable': return html`<p role="alert">Case lookup is not available right now.</p>`;
    case 'not_found': return html`<p role="status">No published case has report number <strong>${a.report}</strong>. Reports appear here once they are approved and seven days have passed; sealed cases never appear.</p>`;
    case 'found': return html`<section aria-labelledby="result"><h2 id="result">Report ${a.report}</h2>
<dl class="facts"><dt>Status</dt><dd>${a.statuses.join('; ')}</dd><dt>Reported</dt><dd><time datetime="${a.reported}">${a.reported}</time></dd></dl>
<p class="meta">A report with several offenses can have more than one status. The offenses themselves are in the <a href="/datasets/${a.datasetId}">offenses dataset</a>, without the report number.</p></section>`;
  }
}

export function casePage(a: CaseAnswer, manifest: Manifest | null, now: Date): string {
  const value = a.kind === 'ask' || a.kind === 'unavailable' ? '' : a.report;
  return layout({
    title: 'Case status lookup',
    agencyName: manifest?.agency.name,
    generatedAt: now,
    releaseId: manifest?.releaseId,
    body: html`<h1>Case status lookup</h1>
<p>If you reported a crime, your report number is on the card or email you were given. Enter it to see the case's public status: open, cleared by arrest, cleared by exception, inactive or unfounded. Nothing else about the case is shown (rule <a href="/privacy/rules/I7">I7</a>).</p>
<form method="get" action="/cases"><label for="report">Report number</label>
<input id="report" name="report" value="${value}" maxlength="40" autocomplete="off" required>
<button type="submit">Look up</button></form>
${result(a)}`,
  });
}
