// /privacy: the rule catalog of the current release, grouped by scope, with how rules are
// reviewed and a link to the release's privacy report.
import type { Manifest } from '../../publisher/manifest.ts';
import { formatInt } from '../format.ts';
import { html } from '../html.ts';
import { governed, groupRules, privacyLayout, ruleHref, ruleLink, statusBadge, techniques, type RuleGroup } from './common.ts';
import type { PrivacyData } from './load.ts';

function groupSection(manifest: Manifest, g: RuleGroup) {
  const id = `group-${g.prefix || 'other'}`;
  return html`<section aria-labelledby="${id}">
<h2 id="${id}">${g.prefix ? html`${g.prefix} rules: ` : ''}${g.title}</h2>
<div class="table-wrap"><table>
<caption>${g.title}: ${formatInt(g.rules.length)} ${g.rules.length === 1 ? 'rule' : 'rules'}</caption>
<thead><tr><th scope="col">Rule</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Datasets</th><th scope="col">Techniques</th></tr></thead>
<tbody>${g.rules.map(
    (r) => html`<tr><th scope="row">${ruleLink(r.id)}</th><td><a href="${ruleHref(r.id)}">${r.title}</a></td><td>${statusBadge(r.status)}</td><td>${governed(manifest, r)}</td><td>${
      techniques(r).map((t, i) => html`${i ? ', ' : ''}<code>${t}</code>`)
    }</td></tr>`,
  )}</tbody>
</table></div>
</section>`;
}

export function catalogPage(manifest: Manifest, data: PrivacyData, now: Date): string {
  const groups = groupRules(data.rules);
  const body = html`<h1>Privacy rules</h1>
<p>Every published dataset is shaped by the privacy rules below, before anything leaves the department.
This catalog is the exact set of rules used for the current release (<code>${manifest.releaseId}</code>),
${formatInt(data.rules.length)} rules in all.</p>
<h2>How rules are reviewed</h2>
<ul>
<li><strong>Rules are data.</strong> Each rule is a reviewed record naming the datasets it governs, the
techniques that enforce it, why it exists and who decided; the publisher applies exactly what the catalog says.</li>
<li><strong>Publishing more needs approval first.</strong> A change that would publish more (a looser rule, a
rule retired) must be approved by the city privacy office before a release can use it. A change that cannot be
shown to publish less is treated as publishing more.</li>
<li><strong>Tightening applies at once.</strong> A change that publishes less is used by the next run without
waiting, is logged by the publisher, and is then reviewed like any other change; approvals appear in each
rule's review history.</li>
</ul>
<p>What the rules did in this release, dataset by dataset, is in the <a href="/privacy/report">privacy report</a>.</p>
<nav aria-label="Rule groups"><ul>${groups.map((g) => html`<li><a href="#group-${g.prefix || 'other'}">${g.title}</a> (${formatInt(g.rules.length)})</li>`)}</ul></nav>
${groups.map((g) => groupSection(manifest, g))}
<p><a href="/privacy/report">Privacy report of the current release</a></p>`;
  return privacyLayout(manifest, 'Privacy rules', body, now);
}

export function unavailablePage(manifest: Manifest, now: Date): string {
  const body = html`<h1>Privacy information</h1>
<p>The current release (<code>${manifest.releaseId}</code>) was published without its rule catalog and privacy
report. They will appear here with the next release.</p>`;
  return privacyLayout(manifest, 'Privacy information', body, now);
}
