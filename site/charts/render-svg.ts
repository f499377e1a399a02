// Server-side chart rendering: a published ChartArtifact (Vega-Lite spec + aggregate rows) to an
// SVG string via vega-lite compile + a headless vega View. Nothing is ever loaded from outside.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartArtifact } from '../../publisher/manifest.ts';

export const DEFAULT_CHART_WIDTH = 640;

/** A vega loader that refuses every URL and file (charts carry their data inline) and remembers tries. */
function refusingLoader(refused: string[]) {
  const refuse = async (what: string): Promise<never> => {
    refused.push(what);
    throw new Error(`external resources are not allowed in published charts (${what})`);
  };
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse };
}

/** Render a chart artifact to a standalone SVG document string (fixed pixel size, with viewBox). */
export async function renderChartSvg(artifact: ChartArtifact, width = DEFAULT_CHART_WIDTH): Promise<string> {
  const base = artifact.spec as Record<string, unknown>;
  const spec = {
    ...base,
    width: typeof base.width === 'number' ? base.width : width,
    background: base.background ?? 'white',
    data: { values: artifact.rows.map((r) => ({ ...r })) },
  } as unknown as TopLevelSpec;
  const compiled = compile(spec).spec;
  const refused: string[] = [];
  const view = new vega.View(vega.parse(compiled), {
    renderer: 'none',
    loader: refusingLoader(refused) as unknown as vega.Loader,
    logLevel: vega.Error,
  });
  try {
    const svg = await view.toSVG();
    if (refused.length) throw new Error(`chart ${artifact.id}: external resources are not allowed (${refused.join(', ')})`);
    if (/<script|<foreignObject|<[a-z][^<>]*\son[a-z]+\s*=/i.test(svg)) throw new Error('rendered SVG contains active content');
    return svg;
  } finally {
    view.finalize();
  }
}

/**
 * Adapt a standalone SVG for inlining in a page: scale with its container (viewBox kept, width
 * 100%), ids prefixed so several charts on one page cannot collide, labelled for assistive tech.
 */
export function inlineSvg(svg: string, idPrefix: string, labelledBy: string, describedBy: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]);
  let out = svg;
  for (const id of ids) {
    const esc = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out
      .replace(new RegExp(`(\\sid=")${esc}"`, 'g'), `$1${idPrefix}${id}"`)
      .replace(new RegExp(`url\\(#${esc}\\)`, 'g'), `url(#${idPrefix}${id})`)
      .replace(new RegExp(`(href=")#${esc}"`, 'g'), `$1#${idPrefix}${id}"`);
  }
  return out.replace(/^<svg\b([^>]*)>/, (_m, attrs: string) => {
    const kept = attrs.replace(/\s(width|height)="[^"]*"/g, '');
    return `<svg${kept} width="100%" role="img" aria-labelledby="${labelledBy}" aria-describedby="${describedBy}" focusable="false">`;
  });
}
