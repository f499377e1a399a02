// Surveillance technology disclosures: the inventory (/surveillance) and one page per technology
// (/surveillance/:slug). Comment-period status is computed from the dates against the clock.
import { periodStatus, retentionPlain, type Disclosure, type PeriodStatus } from '../disclosures/schema.ts';
import { formatInt } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { layout } from '../layout.ts';
import { formatDay } from './brief.ts';

export interface SiteInfo {
  agencyName?: string;
  releaseId?: string | null;
}

const STATUS_TEXT: Record<PeriodStatus, string> = { upcoming: 'Upcoming', open: 'Open now', closed: 'Closed' };

function commentStatus(d: Disclosure, today: string): { status: PeriodStatus; period: Disclosure['engagement']['commentPeriods'][number] } | null {
  const periods = d.engagement.commentPeriods.map((p) => ({ status: periodStatus(p, today), period: p }));
  return periods.find((p) => p.status === 'open') ?? periods.find((p) => p.status === 'upcoming') ?? periods.at(-1) ?? null;
}

function badge(status: PeriodStatus): SafeHtml {
  return html`<span class="badge ${status}">${STATUS_TEXT[status]}</span>`;
}

function periodLine(p: Disclosure['engagement']['commentPeriods'][number], status: PeriodStatus): SafeHtml {
  const dates = `${formatDay(p.start)} to ${formatDay(p.end)}`;
  const where = /^[^@\s]+@[^@\s]+$/.test(p.where)
    ? html`<a href="mailto:${p.where}">${p.where}</a>`
    : /^https?:\/\//.test(p.where)
      ? html`<a href="${p.where}">${p.where}</a>`
      : html`${p.where}`;
  const verb = status === 'open' ? 'Comments are open until' : status === 'upcoming' ? 'Comments open on' : 'Comments closed on';
  const when = status === 'upcoming' ? formatDay(p.start) : formatDay(p.end);
  return html`${badge(status)} ${p.title}: ${dates}. ${verb} ${when}. Send comments to ${where}.`;
}

export function surveillanceIndexPage(site: SiteInfo, list: Disclosure[], today: string, now: Date): string {
  const items = list.map((d) => {
    const c = commentStatus(d, today);
    return html`<li>
<h2><a href="/surveillance/${d.id}">${d.name}</a></h2>
<p>${d.summary}</p>
<dl class="facts">
<dt>Status</dt><dd><span class="badge ${d.status}">${d.status}</span></dd>
<dt>Retention</dt><dd>${retentionPlain(d.retention)}</dd>
<dt>Public comment</dt><dd>${c ? html`${badge(c.status)} ${formatDay(c.period.start)} to ${formatDay(c.period.end)}` : html`<span class="meta">none scheduled</span>`}</dd>
</dl>
</li>`;
  });
  const openNow = list.filter((d) => d.engagement.commentPeriods.some((p) => periodStatus(p, today) === 'open'));
  const body = html`<h1>Surveillance technology</h1>
<p>The department publishes a disclosure for each surveillance technology it uses: what it is, why it is used, what data it collects, how long the data is kept, who can see it, who it is shared with, its risks and costs, and how the public can comment.
Exact camera, sensor and reader sites are never published.</p>
${openNow.length ? html`<p><strong>Open for comment today:</strong> ${openNow.map((d, i) => html`${i ? ', ' : ''}<a href="/surveillance/${d.id}#comment">${d.name}</a>`)}.</p>` : html`<p>No comment period is open today.</p>`}
<p class="meta">${formatInt(list.length)} technologies. Comment status as of ${formatDay(today)}.</p>
<ul class="datasets" aria-label="Surveillance technologies">${items}</ul>`;
  return layout({ title: 'Surveillance technology', agencyName: site.agencyName, body, generatedAt: now, releaseId: site.releaseId, nav: 'surveillance' });
}

const yesNo = (b: boolean): string => (b ? 'Yes' : 'No');
const known = (v: string | null): SafeHtml => (v ? html`${v}` : html`<span class="meta">Not published yet</span>`);
const list = (items: string[]): SafeHtml => html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`;
const count = (n: number | null): SafeHtml => (n === null ? html`<span class="meta">not reported</span>` : html`${formatInt(n)}`);

export function surveillancePage(site: SiteInfo, d: Disclosure, today: string, now: Date): string {
  const r = d.retention;
  const periods = d.engagement.commentPeriods;
  const body = html`<p class="crumbs"><a href="/surveillance">Surveillance technology</a> › ${d.name}</p>
<h1>${d.name}</h1>
<p>${d.summary}</p>
<dl class="facts">
<dt>Status</dt><dd><span class="badge ${d.status}">${d.status}</span></dd>
<dt>Department</dt><dd>${d.department}</dd>
<dt>Vendor</dt><dd>${known(d.vendor)}${d.product ? html` (${d.product})` : ''}</dd>
<dt>Retention</dt><dd><strong>${retentionPlain(r)}.</strong></dd>
<dt>Governing rules</dt><dd>${d.ordinance}</dd>
<dt>Last reviewed</dt><dd>${formatDay(d.review.lastReviewed)} by ${d.review.by}</dd>
</dl>
<h2 id="comment">Public comment</h2>
${periods.length ? html`<ul class="plain">${periods.map((p) => html`<li>${periodLine(p, periodStatus(p, today))}</li>`)}</ul>` : html`<p>No comment period is scheduled.</p>`}
${d.engagement.meetings.length ? html`<h3>Meetings</h3><ul>${d.engagement.meetings.map((m) => html`<li>${formatDay(m.date)}: ${m.title}, ${m.where}</li>`)}</ul>` : ''}
<h3>What people said</h3>
<p>${d.engagement.commentSummary ?? 'A summary of the comments will be published after the comment period closes.'}</p>
<h2>What it is</h2>
<p>${d.description}</p>
<h2>Why it is used</h2>
${list(d.purposes)}
<h3>Allowed uses</h3>
${list(d.authorizedUses)}
<h3>Not allowed</h3>
${list(d.prohibitedUses)}
<h2>Where it is used</h2>
<p>${d.deployment}</p>
<h2>Data collected</h2>
<div class="table-wrap"><table>
<caption>Data collected and where it comes from</caption>
<thead><tr><th scope="col">Data</th><th scope="col">Source</th><th scope="col">Personal</th><th scope="col">Sensitive</th><th scope="col">Records people who are not suspects</th></tr></thead>
<tbody>${d.dataCollected.map(
    (e) => html`<tr><th scope="row">${e.name}${e.notes ? html`<br><span class="meta">${e.notes}</span>` : ''}</th><td>${e.source}</td><td>${yesNo(e.personal)}</td><td>${yesNo(e.sensitive)}</td><td>${yesNo(e.capturesNonSuspects)}</td></tr>`,
  )}</tbody>
</table></div>
<h2>How long it is kept</h2>
<p><strong>${retentionPlain(r)}.</strong>${r.notes ? html` ${r.notes}` : ''}</p>
<dl class="facts">
<dt>Evidence</dt><dd>${r.evidenceHold}</dd>
<dt>Legal basis</dt><dd>${r.legalBasis}</dd>
<dt>Deletion</dt><dd>${r.deletion}</dd>
</dl>
<h2>Who can see it</h2>
<dl class="facts">
<dt>Who</dt><dd>${d.access.who}</dd>
<dt>Authorization</dt><dd>${d.access.authorization}</dd>
<dt>Use is logged</dt><dd>${yesNo(d.access.logged)}</dd>
<dt>Use is audited</dt><dd>${yesNo(d.access.audited)}</dd>
</dl>
${d.access.notes ? html`<p>${d.access.notes}</p>` : ''}
<h2>Sharing</h2>
${d.sharing.length
    ? html`<div class="table-wrap"><table><caption>Who the data is shared with</caption>
<thead><tr><th scope="col">Recipient</th><th scope="col">Data shared</th><th scope="col">Legal standard</th></tr></thead>
<tbody>${d.sharing.map((s) => html`<tr><th scope="row">${s.recipient}</th><td>${s.data}</td><td>${s.legalStandard}</td></tr>`)}</tbody></table></div>`
    : html`<p>The data is not shared outside the department.</p>`}
<p><strong>Vendor and third-party access:</strong> ${d.vendorAccess}</p>
<h2>Risks and how they are reduced</h2>
<ul>${d.risks.map((x) => html`<li><strong>${x.risk}</strong> ${x.mitigation}</li>`)}</ul>
<h3>Civil liberties and equity</h3>
${list(d.civilLiberties)}
<h2>Cost</h2>
<dl class="facts">
<dt>Acquisition</dt><dd>${known(d.cost.acquisition)}</dd>
<dt>Annual cost</dt><dd>${known(d.cost.annual)}</dd>
<dt>Staff</dt><dd>${known(d.cost.personnel)}</dd>
<dt>Funding</dt><dd>${known(d.cost.funding)}</dd>
</dl>
${d.cost.notes ? html`<p>${d.cost.notes}</p>` : ''}
<h2>Annual usage report</h2>
${d.annualReport
    ? html`<dl class="facts"><dt>Year</dt><dd>${d.annualReport.year}</dd><dt>Uses</dt><dd>${count(d.annualReport.uses)}</dd><dt>Sharing events</dt><dd>${count(d.annualReport.sharingEvents)}</dd>
<dt>Complaints</dt><dd>${count(d.annualReport.complaints)}</dd><dt>Audits</dt><dd>${count(d.annualReport.audits)}</dd><dt>Violations</dt><dd>${count(d.annualReport.violations)}</dd><dt>Breaches</dt><dd>${count(d.annualReport.breaches)}</dd></dl>
${d.annualReport.effectiveness.length ? list(d.annualReport.effectiveness) : ''}`
    : html`<p>The first annual usage report has not been published yet.</p>`}
${d.related.length ? html`<h2>Related</h2><ul>${d.related.map((l) => html`<li><a href="${l.href}">${l.label}</a></li>`)}</ul>` : ''}
<h2>Changes to this disclosure</h2>
<ul>${d.versions.map((v) => html`<li>${formatDay(v.date)}: ${v.change}</li>`)}</ul>`;
  return layout({ title: d.name, agencyName: site.agencyName, body, generatedAt: now, releaseId: site.releaseId, nav: 'surveillance' });
}
