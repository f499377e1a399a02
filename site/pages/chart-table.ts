// A chart's aggregate as HTML: the full accessible table (chart pages) and a summary whose size
// does not grow with the data (dataset pages). Suppressed (X7) cells always read "suppressed".
import type { ChartArtifact } from '../../publisher/manifest.ts';
import { formatInt } from '../format.ts';
import { html, raw, type SafeHtml } from '../html.ts';

/** A measure column of a chart aggregate (a count, median, ...), as opposed to a dimension or the X7 flag. */
function isMeasure(fieldType: string): boolean {
  return fieldType === 'quantitative' || fieldType === 'number';
}

/**
 * One chart-table cell; the first column is the row header. A null measure is a suppressed cell.
 * Measures are shown with digit grouping; numeric dimension values (a year, an hour) as they are.
 */
export function cell(value: string | number | boolean | null | undefined, fieldType: string, first: boolean): SafeHtml {
  const open = first ? raw('<th scope="row"') : raw('<td');
  const close = first ? raw('</th>') : raw('</td>');
  if (value === null || value === undefined) {
    return isMeasure(fieldType)
      ? html`${open} class="num suppressed">suppressed${close}`
      : html`${open} class="meta">(blank)${close}`;
  }
  if (typeof value === 'number') return html`${open} class="num">${isMeasure(fieldType) ? formatInt(value) : String(value)}${close}`;
  return html`${open}>${String(value)}${close}`;
}

/** " (3 small cells suppressed)" after a chart table's caption, or nothing. */
function suppressedNote(a: ChartArtifact): SafeHtml | string {
  return a.suppressedCells ? html` (${formatInt(a.suppressedCells)} small ${a.suppressedCells === 1 ? 'cell' : 'cells'} suppressed)` : '';
}

/**
 * Opens the wrapper of a chart table. Its cells (long periods such as 2026-10-01T00:00:00) make it
 * scroll sideways on a 375px screen, so it is a labelled region that takes the keyboard focus.
 */
function scrollRegion(label: string): SafeHtml {
  return html`<div class="table-wrap" role="region" aria-label="${label}" tabindex="0">`;
}

/** The aggregate behind a chart as an accessible table; suppressed measures say so. */
export function chartTable(a: ChartArtifact, title: string): SafeHtml {
  return html`${scrollRegion(`Data for the chart: ${title}`)}<table>
<caption>Data for the chart &ldquo;${title}&rdquo;${suppressedNote(a)}</caption>
<thead><tr>${a.fields.map((f) => html`<th scope="col">${f.title}</th>`)}</tr></thead>
<tbody>${a.rows.map((row) => html`<tr>${a.fields.map((f, i) => cell(row[f.name], f.type, i === 0))}</tr>`)}</tbody>
</table></div>`;
}

/** At most this many rows of a chart's aggregate are on the dataset page; the chart page has them all. */
export const SUMMARY_ROWS = 5;

type ChartField = ChartArtifact['fields'][number];
type ChartRow = ChartArtifact['rows'][number];
type ChartValue = ChartRow[string];

/** The X7 flag column the publisher adds to every aggregate (`suppressed`, boolean). */
const isFlag = (f: ChartField): boolean => f.name === 'suppressed' && f.type === 'boolean';

/**
 * Measures whose values cannot be added up (medians, percentiles, averages, shares): the summary
 * gives no total for them. The artifact does not carry the aggregate op, so this goes by name.
 */
const NOT_ADDITIVE = /(^|[_\s])(median|p\d{1,2}|avg|average|mean|rate|share|pct|percent|ratio|min|max)($|[_\s])/i;

/** Field names the chart's Vega-Lite spec encodes as time (type temporal or with a timeUnit). */
function temporalFields(spec: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(spec)) {
    for (const v of spec) temporalFields(v, found);
  } else if (spec && typeof spec === 'object') {
    const o = spec as Record<string, unknown>;
    if (typeof o.field === 'string' && (o.type === 'temporal' || o.timeUnit !== undefined)) found.add(o.field);
    for (const v of Object.values(o)) temporalFields(v, found);
  }
  return found;
}

/** Orders dimension values: numbers numerically, the rest as text (ISO periods sort as text). */
function compareValues(x: ChartValue, y: ChartValue): number {
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  const a = String(x);
  const b = String(y);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Largest measure first; suppressed (null) measures last, in their table order. */
function byMeasureDesc(name: string | undefined): (x: ChartRow, y: ChartRow) => number {
  return (x, y) => {
    if (!name) return 0;
    const a = x[name];
    const b = y[name];
    if (typeof a !== 'number') return typeof b === 'number' ? 1 : 0;
    if (typeof b !== 'number') return -1;
    return b - a;
  };
}

/**
 * What the dataset page says about a chart's aggregate, in a size that does not grow with it: the
 * row count, each dimension's number of values (and range, for time and numbers), each additive
 * measure's total over the cells shown, and at most SUMMARY_ROWS rows (the latest period of a time
 * series, else the largest rows). Totals are sums of the published cells only: a suppressed cell
 * is null in the artifact, so nothing here is more than the full table on the chart page shows.
 */
export function chartSummary(a: ChartArtifact, title: string, chartHref: string): SafeHtml {
  const n = a.rows.length;
  const fullLink = html`<p><a href="${chartHref}#data">Full data table (${formatInt(n)} ${n === 1 ? 'row' : 'rows'}) on the chart page</a>, with a CSV download.</p>`;
  if (n <= SUMMARY_ROWS) return html`${chartTable(a, title)}${fullLink}`;

  const measures = a.fields.filter((f) => isMeasure(f.type));
  const dimensions = a.fields.filter((f) => !isMeasure(f.type) && !isFlag(f));
  const temporal = temporalFields(a.spec);
  const isTime = (f: ChartField) => ['timestamp', 'date', 'temporal'].includes(f.type) || temporal.has(f.name);

  const facts: SafeHtml[] = [html`<tr><th scope="row">Rows in the full table</th><td class="num">${formatInt(n)}</td></tr>`];
  for (const f of dimensions) {
    const values = new Set<string | number | boolean>();
    let blank = false;
    let lo: ChartValue = null;
    let hi: ChartValue = null;
    for (const row of a.rows) {
      const v = row[f.name];
      if (v === null || v === undefined) {
        blank = true;
        continue;
      }
      values.add(v);
      if (lo === null || compareValues(v, lo) < 0) lo = v;
      if (hi === null || compareValues(v, hi) > 0) hi = v;
    }
    const ranged = (isTime(f) || f.type === 'integer' || f.type === 'number') && lo !== null && hi !== null && values.size > 1;
    facts.push(html`<tr><th scope="row">${f.title}</th><td>${formatInt(values.size)} ${values.size === 1 ? 'value' : 'values'}${
      ranged ? html`, from ${String(lo)} to ${String(hi)}` : ''}${blank ? ', and blank' : ''}</td></tr>`);
  }
  for (const f of measures) {
    if (NOT_ADDITIVE.test(f.name) || NOT_ADDITIVE.test(f.title)) continue;
    let total = 0;
    let withheld = 0;
    for (const row of a.rows) {
      const v = row[f.name];
      if (typeof v === 'number') total += v;
      else withheld++;
    }
    facts.push(html`<tr><th scope="row">Total ${f.title}, cells shown</th><td class="num">${formatInt(total)}${
      withheld ? html` <span class="meta">(not counting ${formatInt(withheld)} suppressed ${withheld === 1 ? 'cell' : 'cells'})</span>` : ''}</td></tr>`);
  }

  const sortBy = (measures.find((f) => !NOT_ADDITIVE.test(f.name) && !NOT_ADDITIVE.test(f.title)) ?? measures[0])?.name;
  const period = dimensions.find(isTime);
  let excerpt: ChartRow[];
  let excerptCaption: SafeHtml;
  const latest = period
    ? a.rows.reduce<ChartValue>((hi, row) => {
        const v = row[period.name];
        return v === null || v === undefined || (hi !== null && compareValues(v, hi) <= 0) ? hi : v;
      }, null)
    : null;
  if (period && latest !== null) {
    const inPeriod = a.rows.filter((row) => row[period.name] === latest);
    excerpt = inPeriod.slice().sort(byMeasureDesc(sortBy)).slice(0, SUMMARY_ROWS);
    const part = excerpt.length < inPeriod.length ? html`${formatInt(excerpt.length)} of its ${formatInt(inPeriod.length)} rows, largest first` : html`all ${formatInt(inPeriod.length)} of its ${inPeriod.length === 1 ? 'row' : 'rows'}`;
    excerptCaption = html`Latest ${period.title} in the data (${String(latest)}): ${part}`;
  } else {
    excerpt = a.rows.slice().sort(byMeasureDesc(sortBy)).slice(0, SUMMARY_ROWS);
    const by = measures.find((f) => f.name === sortBy);
    excerptCaption = by
      ? html`The ${formatInt(excerpt.length)} largest of ${formatInt(n)} rows, by ${by.title}`
      : html`The first ${formatInt(excerpt.length)} of ${formatInt(n)} rows`;
  }

  return html`${scrollRegion(`Summary of the data for the chart: ${title}`)}<table>
<caption>Summary of the data for the chart &ldquo;${title}&rdquo;${suppressedNote(a)}</caption>
<tbody>${facts}</tbody>
</table></div>
${scrollRegion(`Rows from the data for the chart: ${title}`)}<table>
<caption>${excerptCaption}</caption>
<thead><tr>${a.fields.map((f) => html`<th scope="col">${f.title}</th>`)}</tr></thead>
<tbody>${excerpt.map((row) => html`<tr>${a.fields.map((f, i) => cell(row[f.name], f.type, i === 0))}</tr>`)}</tbody>
</table></div>
${fullLink}`;
}
