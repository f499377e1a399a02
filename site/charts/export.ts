// Chart downloads built from a published ChartArtifact: the Vega-Lite spec with its data inlined,
// the "data behind this chart" CSV (suppressed cells empty, plus the `suppressed` column), and a
// PNG rasterised from the server-rendered SVG with resvg. Nothing here reads source records.
import { Resvg } from '@resvg/resvg-js';
import { stringify } from 'csv-stringify/sync';
import type { ChartArtifact } from '../../publisher/manifest.ts';
import { DEFAULT_CHART_WIDTH } from './render-svg.ts';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The complete Vega-Lite spec: the published spec plus title, description and the aggregate rows. */
export function specWithData(a: ChartArtifact, opts: { tooltips?: boolean } = {}): Record<string, unknown> {
  const base = a.spec as Record<string, unknown>;
  const spec: Record<string, unknown> = {
    $schema: VEGA_LITE_SCHEMA,
    description: a.description,
    title: a.title,
    ...base,
    width: typeof base.width === 'number' ? base.width : opts.tooltips ? 'container' : DEFAULT_CHART_WIDTH,
    background: base.background ?? 'white',
    data: { values: a.rows.map((r) => ({ ...r })) },
  };
  if (opts.tooltips) {
    const config = (base.config as Record<string, unknown> | undefined) ?? {};
    const mark = (config.mark as Record<string, unknown> | undefined) ?? {};
    spec.config = { ...config, mark: { ...mark, tooltip: { content: 'data' } } };
    spec.autosize = { type: 'fit-x', contains: 'padding' };
  }
  return spec;
}

/**
 * The aggregate behind the chart as CSV, one column per field (the `suppressed` flag included).
 * A suppressed measure is published as null and written as an empty cell, never as a number.
 */
export function chartCsv(a: ChartArtifact): string {
  const names = a.fields.map((f) => f.name);
  const records = a.rows.map((row) =>
    names.map((n) => {
      const v = row[n];
      if (v === null || v === undefined) return '';
      return typeof v === 'boolean' ? (v ? 'true' : 'false') : v;
    }),
  );
  return stringify([names, ...records], { eof: true, record_delimiter: '\r\n' });
}

/** Rasterise a chart SVG to PNG at twice the chart width (crisp on high-density screens). */
export function svgToPng(svg: string, width = DEFAULT_CHART_WIDTH * 2): Buffer {
  const r = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return Buffer.from(r.render().asPng());
}
