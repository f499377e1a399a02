// Server-side chart rendering: valid SVG, escaped text, no external loading, responsive inlining;
// also logs the cold and warm render time of one chart.
import { describe, expect, it } from 'vitest';
import type { ChartArtifact } from '../../publisher/manifest.ts';
import { inlineSvg, renderChartSvg } from '../../site/charts/render-svg.ts';

const artifact: ChartArtifact = {
  id: 'c1',
  datasetId: 'abcd-1234',
  title: 'By category',
  description: 'Counts',
  spec: { mark: 'bar', encoding: { x: { field: 'k', type: 'nominal' }, y: { field: 'n', type: 'quantitative' } } },
  fields: [
    { name: 'k', title: 'Key', type: 'nominal' },
    { name: 'n', title: 'Count', type: 'quantitative' },
  ],
  rows: [
    { k: '<b>A&B</b>', n: 12 },
    { k: 'C', n: 30 },
    { k: 'D', n: null },
  ],
  suppressedCells: 1,
};

describe('renderChartSvg', () => {
  it('renders an SVG with a viewBox and escaped text, timing cold and warm', async () => {
    const t0 = performance.now();
    const svg = await renderChartSvg(artifact);
    const cold = performance.now() - t0;
    const t1 = performance.now();
    await renderChartSvg(artifact);
    const warm = performance.now() - t1;
    console.log(`chart render: cold ${cold.toFixed(1)} ms, warm ${warm.toFixed(1)} ms`);
    expect(svg).toMatch(/^<svg[^>]*width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/);
    expect(svg).toContain('&lt;b&gt;A&amp;B&lt;/b&gt;');
    expect(svg).not.toContain('<b>');
  });

  it('refuses to load external data', async () => {
    const external = { ...artifact, spec: { ...artifact.spec, transform: [{ lookup: 'k', from: { data: { url: 'http://127.0.0.1:1/x.json' }, key: 'k', fields: ['z'] } }] } };
    await expect(renderChartSvg(external)).rejects.toThrow(/not allowed/);
  });

  it('inlines responsively with prefixed ids and labels', () => {
    const svg = '<svg class="marks" width="700" height="300" viewBox="0 0 700 300"><defs><clipPath id="clip1"></clipPath></defs><g clip-path="url(#clip1)"></g></svg>';
    const out = inlineSvg(svg, 'c9-', 't', 'd');
    expect(out).toBe(
      '<svg class="marks" viewBox="0 0 700 300" width="100%" role="img" aria-labelledby="t" aria-describedby="d" focusable="false"><defs><clipPath id="c9-clip1"></clipPath></defs><g clip-path="url(#c9-clip1)"></g></svg>',
    );
  });
});
