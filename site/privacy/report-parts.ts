// Pieces shared by the rule page and the privacy report: the X3 scan result and X8's k-anonymity
// outcome, described in plain language.
import type { RunReport } from '../../publisher/manifest.ts';
import { formatInt } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import type { ScanSummary } from './schema.ts';

export function scanFacts(scan: ScanSummary): SafeHtml {
  if ('skipped' in scan) {
    return html`<p>The scan gate did not run for this release (it was switched off for the run).</p>`;
  }
  return html`<dl class="facts">
<dt>Result</dt><dd>${scan.passed ? html`<strong>Passed</strong>: no personal data found` : html`<strong>Failed</strong>`}</dd>
<dt>Artifacts scanned</dt><dd>${formatInt(scan.artifacts)}</dd>
<dt>Values scanned</dt><dd>${formatInt(scan.units)}</dd>
<dt>Source values hunted for</dt><dd>${formatInt(scan.terms)}</dd>
<dt>Hits</dt><dd>${formatInt(scan.hits)}</dd>
</dl>`;
}

type KAnonymity = RunReport['kAnonymity'];

/** "k achieved" in words: the smallest class, or why there is none. */
export function kAchieved(k: KAnonymity): SafeHtml {
  if (!k) return html`<span class="meta">not applied</span>`;
  if (k.k === null) return html`<span class="meta">none (no published row carries the protected values)</span>`;
  return html`${formatInt(k.k)}`;
}

/** Table cells for one dataset's k-anonymity: achieved, required, rows below k before treatment. */
export function kCells(k: KAnonymity): SafeHtml {
  if (!k) return html`<td class="meta" colspan="3">not applied</td>`;
  return html`<td class="num">${kAchieved(k)}</td><td class="num">${formatInt(k.required)}</td><td class="num">${formatInt(k.rowsBelowK)}</td>`;
}
