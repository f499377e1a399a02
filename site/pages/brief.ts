// The public safety brief (/brief): year-to-date counts for key offense groups and shootings
// against the same period last year, arrests clearance, and 911 median response by priority.
// Every number links to the SoQL query that produces it, with the SQL in a <details>.
import type { Manifest } from '../../publisher/manifest.ts';
import { MIN_CELL, GROUPS, type BriefData, type Measure, type ResponseRow } from '../brief/brief.ts';
import { percentChange, type Period, type YtdWindow } from '../brief/window.ts';
import { formatInt } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { layout } from '../layout.ts';

const DATE_FMT = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
export const formatDay = (floating: string): string => DATE_FMT.format(new Date(`${floating.slice(0, 10)}T00:00:00Z`));
const range = (p: Period): string => `${formatDay(p.start)} to ${formatDay(p.end)}`;

function number(m: Measure, id: string): SafeHtml {
  const label = m.suppressed ? `fewer than ${MIN_CELL}` : formatInt(m.value);
  return html`<a href="${m.soql}" data-measure="${id}"${m.suppressed ? html` data-suppressed="true"` : html` data-value="${m.value}"`}>${label}</a>`;
}

function change(now: Measure, before: Measure): SafeHtml {
  if (now.suppressed || before.suppressed) return html`<span class="meta">not shown (small numbers)</span>`;
  const diff = now.value - before.value;
  const pct = percentChange(now.value, before.value);
  const sign = diff > 0 ? '+' : diff < 0 ? '−' : '±';
  const cls = diff > 0 ? 'change-up' : diff < 0 ? 'change-down' : '';
  return html`<span class="${cls}">${sign}${formatInt(Math.abs(diff))}${pct === null ? '' : ` (${sign}${Math.abs(pct).toFixed(0)}%)`}</span>`;
}

function sqlDetails(summary: string, items: { label: string; m: { soql: string; sql: string } }[]): SafeHtml {
  return html`<details><summary>${summary}</summary>
${items.map((i) => html`<p>${i.label}: <a href="${i.m.soql}">API query (SoQL)</a></p><pre><code>${i.m.sql}</code></pre>`)}
</details>`;
}

function windowText(w: YtdWindow): SafeHtml {
  return html`<strong>${range(w.current)}</strong> (${formatInt(w.days)} days), compared with <strong>${range(w.previous)}</strong>`;
}

function median(r: ResponseRow | undefined): SafeHtml {
  if (!r) return html`<span class="meta">no events</span>`;
  if (r.median === null) return html`<span class="meta">fewer than ${MIN_CELL} events</span>`;
  return html`<span data-median="${r.median}">${r.median.toLocaleString('en-US', { maximumFractionDigits: 1 })} min</span>`;
}

function events(r: ResponseRow | undefined): string {
  if (!r) return '0';
  return r.events < MIN_CELL ? `fewer than ${MIN_CELL}` : formatInt(r.events);
}

export function briefPage(manifest: Manifest, b: BriefData, now: Date): string {
  const groups = b.groups;
  const table = groups.length
    ? html`<div class="table-wrap"><table>
<caption>Year to date (“this year”) against the same days last year</caption>
<thead><tr><th scope="col">What</th><th scope="col" class="num">This year</th><th scope="col" class="num">Last year</th><th scope="col" class="num">Change</th></tr></thead>
<tbody>${groups.map(
        (g) => html`<tr><th scope="row">${g.def.label}</th><td class="num">${number(g.current, `${g.def.key}-current`)}</td><td class="num">${number(g.previous, `${g.def.key}-previous`)}</td><td class="num">${change(g.current, g.previous)}</td></tr>`,
      )}</tbody>
</table></div>
<h3>How each line is counted</h3>
<dl>${groups.map(
        (g) => html`<dt><strong>${g.def.label}</strong></dt><dd>${g.def.definition}
${sqlDetails(`Queries for ${g.def.label.toLowerCase()}`, [
  { label: 'This year to date', m: g.current },
  { label: 'Same period last year', m: g.previous },
])}</dd>`,
      )}</dl>`
    : html`<p>The offense and dispatch datasets are not in this release.</p>`;

  const c = b.clearance;
  const clearLine = (r: NonNullable<BriefData['clearance']>['current'], id: string): SafeHtml => {
    const pct = !r.cleared.suppressed && r.total.value > 0 ? (r.cleared.value / r.total.value) * 100 : null;
    return html`<tr><th scope="row">${range(r.period)}</th><td class="num">${number(r.cleared, `cleared-${id}`)}</td><td class="num">${number(r.total, `offenses-${id}`)}</td><td class="num">${pct === null ? html`<span class="meta">not shown</span>` : html`<span data-share="${pct.toFixed(1)}">${pct.toFixed(1)}%</span>`}</td></tr>`;
  };
  const clearance = c
    ? html`<div class="table-wrap"><table>
<caption>Offenses whose case is cleared by arrest</caption>
<thead><tr><th scope="col">Period</th><th scope="col" class="num">Cleared by arrest</th><th scope="col" class="num">All offenses</th><th scope="col" class="num">Share</th></tr></thead>
<tbody>${clearLine(c.current, 'current')}${clearLine(c.previous, 'previous')}</tbody>
</table></div>
<p>An offense counts as cleared by arrest when its published case status is “Cleared by arrest”. Recent offenses have had less time to be cleared, so the share for this year usually rises later.</p>
${sqlDetails('Queries for clearance by arrest', [
  { label: 'Cleared this year', m: c.current.cleared },
  { label: 'All offenses this year', m: c.current.total },
  { label: 'Cleared last year', m: c.previous.cleared },
  { label: 'All offenses last year', m: c.previous.total },
])}`
    : html`<p>The offense dataset is not in this release.</p>`;

  const r = b.response;
  const priorities = r ? [...new Set([...r.current, ...r.previous].map((x) => x.priority))].sort((x, y) => x - y) : [];
  const response = r
    ? html`<div class="table-wrap"><table>
<caption>Median minutes from a 911 call to the first unit arriving, year to date against the same days last year</caption>
<thead><tr><th scope="col">Priority</th><th scope="col" class="num">This year</th><th scope="col" class="num">Events</th><th scope="col" class="num">Last year</th><th scope="col" class="num">Events</th></tr></thead>
<tbody>${priorities.map((p) => {
        const cur = r.current.find((x) => x.priority === p);
        const prev = r.previous.find((x) => x.priority === p);
        return html`<tr data-priority="${p}"><th scope="row">${p}</th><td class="num"><a href="${r.soql}">${median(cur)}</a></td><td class="num">${events(cur)}</td><td class="num"><a href="${r.soqlPrevious}">${median(prev)}</a></td><td class="num">${events(prev)}</td></tr>`;
      })}</tbody>
</table></div>
<p>Counted over events that came in on 911 (call source <code>911</code>) and where a unit arrived. Priority 1 is an immediate threat to life. A median over fewer than ${MIN_CELL} events is not shown.</p>
${sqlDetails('Queries for response times', [
  { label: 'This year to date', m: { soql: r.soql, sql: r.sql } },
  { label: 'Same period last year', m: { soql: r.soqlPrevious, sql: r.sqlPrevious } },
])}`
    : html`<p>The dispatch dataset is not in this release.</p>`;

  const windows = html`<ul>
${b.offenses ? html`<li>Offenses, by the hour they occurred: ${windowText(b.offenses.window)}. The latest offense in this release occurred on ${formatDay(b.offenses.window.asOf)}.</li>` : ''}
${b.calls ? html`<li>Dispatch events, by the hour they were received: ${windowText(b.calls.window)}. The latest event in this release was received on ${formatDay(b.calls.window.asOf)}.</li>` : ''}
</ul>`;

  const body = html`<h1>Public safety brief</h1>
<p>This year so far against the same days last year, from release <code>${b.releaseId}</code>. “Year to date” runs from 1 January to the latest date in the published data, not to today, and both periods have the same number of days.</p>
${windows}
<p>Every number links to the API query that produces it. Counts from 1 to ${MIN_CELL - 1} are shown as “fewer than ${MIN_CELL}”, as in the published charts (rule X7).</p>
<h2>Key offenses and shootings</h2>
${table}
<h2>Cases cleared by arrest</h2>
${clearance}
<h2>911 response times by priority</h2>
${response}
<h2>About these numbers</h2>
<ul>
<li>Offense counts are offenses, not incidents: one report can list several offenses.</li>
<li>Offense times are the published hour the offense occurred; dispatch times are the hour the event was received, both in local time.</li>
<li>Recent offenses may still be under review and held back from publication, so the latest weeks can rise in later releases.</li>
<li>Group definitions: ${GROUPS.map((g, i) => html`${i ? '; ' : ''}${g.label.toLowerCase()} (<code>${g.condition}</code>)`)}.</li>
</ul>`;
  return layout({ title: 'Public safety brief', agencyName: manifest.agency.name, body, generatedAt: now, releaseId: manifest.releaseId, nav: 'brief' });
}
