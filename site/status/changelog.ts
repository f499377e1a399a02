// A dataset's changelog: its retained releases, newest first, each with its row count, the column
// changes against the release before it (schema changes), and the rows added, changed and removed
// when the run recorded them (RunReport.changes). Built only from published release manifests.
import type { ColumnManifest, DatasetManifest, Manifest } from '../../publisher/manifest.ts';
import { formatDateTime, formatInt } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { layout } from '../layout.ts';

export interface SchemaChanges {
  added: string[];
  removed: string[];
  retyped: { name: string; from: string; to: string }[];
}

export interface ChangelogEntry {
  releaseId: string;
  createdAt: string;
  updatedAt: string;
  rowCount: number;
  /** Row count difference against the previous entry (null for the oldest retained one). */
  rowDelta: number | null;
  columns: string[];
  /** Null for the oldest retained release: there is nothing to compare it with. */
  schema: SchemaChanges | null;
  changes: { added: number; changed: number; removed: number } | null;
  /** The dataset was not re-run: the release carried it over unchanged. */
  carried: boolean;
}

export function schemaChanges(before: ColumnManifest[], after: ColumnManifest[]): SchemaChanges {
  const old = new Map(before.map((c) => [c.name, c]));
  const now = new Map(after.map((c) => [c.name, c]));
  return {
    added: after.filter((c) => !old.has(c.name)).map((c) => c.name),
    removed: before.filter((c) => !now.has(c.name)).map((c) => c.name),
    retyped: after.filter((c) => old.has(c.name) && old.get(c.name)!.type !== c.type).map((c) => ({ name: c.name, from: old.get(c.name)!.type, to: c.type })),
  };
}

function changesOf(d: DatasetManifest): ChangelogEntry['changes'] {
  const c = (d.report as { changes?: unknown }).changes as { added?: unknown; changed?: unknown; removed?: unknown } | undefined;
  if (!c || typeof c !== 'object') return null;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return { added: n(c.added), changed: n(c.changed), removed: n(c.removed) };
}

/** Entries for one dataset from release manifests given newest first. */
export function buildChangelog(manifests: Manifest[], datasetId: string): ChangelogEntry[] {
  const found = manifests
    .map((m) => ({ m, d: m.datasets.find((x) => x.id === datasetId) }))
    .filter((x): x is { m: Manifest; d: DatasetManifest } => Boolean(x.d));
  return found.map(({ m, d }, i) => {
    const prev = found[i + 1]?.d;
    return {
      releaseId: m.releaseId,
      createdAt: m.createdAt,
      updatedAt: d.updatedAt,
      rowCount: d.rowCount,
      rowDelta: prev ? d.rowCount - prev.rowCount : null,
      columns: d.columns.map((c) => c.name),
      schema: prev ? schemaChanges(prev.columns, d.columns) : null,
      changes: prev && prev.updatedAt === d.updatedAt ? null : changesOf(d),
      carried: Boolean(prev && prev.updatedAt === d.updatedAt),
    };
  });
}

const signed = (n: number) => (n > 0 ? `+${formatInt(n)}` : n < 0 ? `−${formatInt(-n)}` : '±0');

function schemaCell(e: ChangelogEntry): SafeHtml {
  if (!e.schema) return html`<span class="meta">oldest retained release: ${formatInt(e.columns.length)} columns</span>`;
  const { added, removed, retyped } = e.schema;
  if (!added.length && !removed.length && !retyped.length) return html`<span class="meta">no column changes</span>`;
  const codes = (names: string[]) => names.map((n, i) => html`${i ? ', ' : ''}<code>${n}</code>`);
  return html`<ul class="plain">${added.length ? html`<li>Added: ${codes(added)}</li>` : ''}${removed.length ? html`<li>Removed: ${codes(removed)}</li>` : ''}${
    retyped.map((r) => html`<li>Type of <code>${r.name}</code>: ${r.from} → ${r.to}</li>`)
  }</ul>`;
}

function rowsCell(e: ChangelogEntry): SafeHtml {
  if (e.carried) return html`<span class="meta">carried over unchanged (no run of this dataset)</span>`;
  if (!e.changes) return html`<span class="meta">not recorded</span>`;
  return html`${formatInt(e.changes.added)} added, ${formatInt(e.changes.changed)} changed, ${formatInt(e.changes.removed)} removed`;
}

export function changelogPage(current: Manifest, ds: DatasetManifest, entries: ChangelogEntry[], now: Date): string {
  const tz = current.agency.timezone;
  const rows = entries.map(
    (e) => html`<tr><th scope="row"><time datetime="${e.createdAt}">${formatDateTime(e.createdAt, tz)}</time><br><span class="meta"><code>${e.releaseId}</code>${
      e.releaseId === current.releaseId ? ' (current)' : ''
    }</span></th><td class="num">${formatInt(e.rowCount)}${e.rowDelta === null ? '' : html`<br><span class="meta">${signed(e.rowDelta)}</span>`}</td><td>${rowsCell(e)}</td><td>${schemaCell(e)}</td></tr>`,
  );
  const body = html`<p class="crumbs"><a href="/">All datasets</a> › <a href="/datasets/${ds.id}">${ds.name}</a></p>
<h1>Changelog: ${ds.name}</h1>
<p>Every release of this dataset still kept on this portal, newest first: its row count, the rows the run added, changed
and removed, and the columns added, removed or retyped since the release before. Older releases are not kept.</p>
${entries.length
    ? html`<div class="table-wrap"><table>
<caption>${formatInt(entries.length)} retained ${entries.length === 1 ? 'release' : 'releases'} of ${ds.name}</caption>
<thead><tr><th scope="col">Release</th><th scope="col">Rows</th><th scope="col">Row changes</th><th scope="col">Column changes</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`
    : html`<p>No retained release holds this dataset.</p>`}
<p>Current columns: ${ds.columns.map((c, i) => html`${i ? ', ' : ''}<code>${c.name}</code>`)}.</p>`;
  return layout({
    title: `Changelog: ${ds.name}`,
    agencyName: current.agency.name,
    body,
    generatedAt: now,
    releaseId: current.releaseId,
    nav: 'datasets',
    feeds: [{ href: `/datasets/${ds.id}/feed.atom`, title: `${ds.name}: releases` }],
  });
}
