// The body-worn video redaction fee estimator page (/fees/body-worn-video): a plain GET form that
// works without JavaScript, the estimate with the rule behind each line, and clear field errors.
import { dollars, REDACTION_TYPES, REQUESTERS, RULES, type FeeEstimate, type FieldError } from '../fees/bwv.ts';
import { html, type SafeHtml } from '../html.ts';
import { layout } from '../layout.ts';
import type { SiteInfo } from './surveillance.ts';

export type FeeResult = { ok: true; estimate: FeeEstimate } | { ok: false; errors: FieldError[] } | null;

const first = (v: unknown): string => (Array.isArray(v) ? String(v[0] ?? '') : typeof v === 'string' ? v : '');
const all = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

function errorFor(errors: FieldError[], field: string): FieldError | undefined {
  return errors.find((e) => e.field === field);
}

function fieldError(e: FieldError | undefined, id: string): SafeHtml {
  return e ? html`<span class="hint" id="${id}" style="color:#8a1c1c;font-weight:600">${e.message}</span>` : html``;
}

function result(r: FeeResult): SafeHtml {
  if (!r) return html``;
  if (!r.ok) {
    return html`<div class="errors" role="alert" id="errors" tabindex="-1">
<h2 style="border:0;margin-top:.5rem">Please check the form</h2>
<ul>${r.errors.map((e) => html`<li><a href="#${e.field}">${e.message}</a></li>`)}</ul></div>`;
  }
  const e = r.estimate;
  return html`<section aria-labelledby="estimate-title" class="card" id="estimate">
<h2 id="estimate-title" style="border:0;margin-top:.25rem">Your estimate</h2>
<p class="total">Estimated redaction charge: <span data-total-cents="${e.totalCents}">${dollars(e.totalCents)}</span></p>
${e.exempt ? html`<p><strong>${e.exemption}</strong> Without the exemption the charge would be ${dollars(e.subtotalCents)}.</p>` : ''}
<div class="table-wrap"><table>
<caption>How the estimate is made</caption>
<thead><tr><th scope="col">Redaction</th><th scope="col" class="num">Specialist minutes</th><th scope="col" class="num">Charge</th><th scope="col">Rule</th></tr></thead>
<tbody>${e.lines.map(
    (l) => html`<tr><th scope="row">${l.label}</th><td class="num">${l.specialistMinutes === null ? 'flat' : l.specialistMinutes.toLocaleString('en-US')}</td><td class="num" data-line="${l.type}">${dollars(l.cents)}</td><td>${l.rule}</td></tr>`,
  )}</tbody>
<tfoot><tr><th scope="row">Total${e.exempt ? ' (exempt)' : ''}</th><td></td><td class="num">${dollars(e.totalCents)}</td><td>Copy costs are added and are not included here.</td></tr></tfoot>
</table></div>
<ul>${e.notes.map((n) => html`<li>${n}</li>`)}</ul>
<p class="meta">This is an estimate. The actual charge follows the actual time spent. The same estimate is available as JSON from <a href="/api/fees/body-worn-video?${new URLSearchParams(queryOf(e)).toString()}">the fee API</a>.</p>
</section>`;
}

function queryOf(e: FeeEstimate): [string, string][] {
  const q: [string, string][] = [['minutes', String(e.input.minutes)]];
  for (const t of e.input.redaction) q.push(['redaction', t]);
  if (e.input.people !== undefined) q.push(['people', String(e.input.people)]);
  q.push(['videos', String(e.input.videos)], ['requester', e.input.requester]);
  return q;
}

export function feesPage(site: SiteInfo, query: Record<string, unknown>, r: FeeResult, now: Date): string {
  const errors = r && !r.ok ? r.errors : [];
  const chosen = all(query.redaction);
  const requester = first(query.requester) || 'general';
  const attrs = (field: string) =>
    errorFor(errors, field) ? html` aria-invalid="true" aria-describedby="${field}-error"` : html``;
  const body = html`<p class="crumbs"><a href="/surveillance/body-worn-video">Body-worn video disclosure</a> › Fee estimator</p>
<h1>Body-worn video redaction fee estimator</h1>
<p>Body-worn camera recordings are public records under the Washington Public Records Act (RCW 42.56). The law lets the department charge most requesters the reasonable cost of redacting the video, using the least costly method available. Some requesters pay nothing.</p>
<p>${RULES.rate}</p>
${result(r)}
<form class="stack" method="get" action="/fees/body-worn-video" novalidate>
<label for="minutes">Length of the footage, in minutes
<span class="hint">Total minutes of raw video, for example 12 or 12.5.</span></label>
<input type="number" id="minutes" name="minutes" min="0.01" step="0.01" inputmode="decimal" value="${first(query.minutes)}"${attrs('minutes')}>
${fieldError(errorFor(errors, 'minutes'), 'minutes-error')}
<fieldset id="redaction"${errorFor(errors, 'redaction') ? html` aria-describedby="redaction-error"` : ''}>
<legend>Redaction needed (choose all that apply)</legend>
${fieldError(errorFor(errors, 'redaction'), 'redaction-error')}
${(Object.entries(REDACTION_TYPES) as [keyof typeof REDACTION_TYPES, (typeof REDACTION_TYPES)[keyof typeof REDACTION_TYPES]][]).map(
    ([key, t]) => html`<label><input type="checkbox" name="redaction" value="${key}"${chosen.includes(key) ? html` checked` : ''}>
<span>${t.label} <span class="hint">${t.flatPerVideo ? 'Flat $0.60 per video.' : `${t.specialistMinutes} specialist minutes per minute of footage${t.perPerson ? ', for each person or object' : ''} (${dollars(t.specialistMinutes * 60)} per minute).`}</span></span></label>`,
  )}
</fieldset>
<label for="people">Number of people or objects to redact
<span class="hint">Needed for targeted video redaction.</span></label>
<input type="number" id="people" name="people" min="1" step="1" inputmode="numeric" value="${first(query.people)}"${attrs('people')}>
${fieldError(errorFor(errors, 'people'), 'people-error')}
<label for="videos">Number of videos
<span class="hint">Used for the flat whole-screen charge. Defaults to 1.</span></label>
<input type="number" id="videos" name="videos" min="1" step="1" inputmode="numeric" value="${first(query.videos)}"${attrs('videos')}>
${fieldError(errorFor(errors, 'videos'), 'videos-error')}
<fieldset id="requester">
<legend>Who is asking?</legend>
${fieldError(errorFor(errors, 'requester'), 'requester-error')}
${(Object.entries(REQUESTERS) as [string, { label: string; exempt: boolean }][]).map(
    ([key, q]) => html`<label><input type="radio" name="requester" value="${key}"${requester === key ? html` checked` : ''}>
<span>${q.label}${q.exempt ? html` <span class="hint">Exempt: pays $0.</span>` : ''}</span></label>`,
  )}
</fieldset>
<p><button type="submit">Estimate the fee</button></p>
</form>
<h2>The fee schedule</h2>
<div class="table-wrap"><table>
<caption>Charges per minute of raw footage (2017 cost study, $0.60 per specialist minute)</caption>
<thead><tr><th scope="col">Redaction type</th><th scope="col" class="num">Specialist minutes</th><th scope="col" class="num">Charge</th></tr></thead>
<tbody>
<tr><th scope="row">Targeted video redaction, per person or object, with or without audio</th><td class="num">10</td><td class="num">$6.00</td></tr>
<tr><th scope="row">Targeted audio redaction alone</th><td class="num">5</td><td class="num">$3.00</td></tr>
<tr><th scope="row">Targeted blackout or screen blur, with or without audio removal</th><td class="num">4.5</td><td class="num">$2.70</td></tr>
<tr><th scope="row">Whole-screen blur plus audio removal</th><td class="num">flat</td><td class="num">$0.60 per video</td></tr>
</tbody></table></div>
<p>${RULES.actual}</p>
<h2>Who pays nothing</h2>
<ul>${Object.values(REQUESTERS)
    .filter((q) => q.exempt)
    .map((q) => html`<li>${q.label}</li>`)}</ul>`;
  return layout({ title: 'Body-worn video fee estimator', agencyName: site.agencyName, body, generatedAt: now, releaseId: site.releaseId, nav: 'fees' });
}
