// The one shared page layout: document head, inline CSS (responsive down to 375px, AA contrast),
// header with the agency name, <main>, footer. No client JavaScript.
import { html, raw, type SafeHtml } from './html.ts';

const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff}
a{color:#0b4fa3}a:visited{color:#5a2d91}a:hover{color:#062f63}
a:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}.skip:focus{left:.5rem}
header.site,footer.site{background:#14325c;color:#fff;padding:.75rem 1rem}
header.site a,footer.site a{color:#fff}
header.site p{margin:0;font-weight:600}
footer.site code{background:transparent;color:#fff}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.75rem;line-height:1.2;margin:.5rem 0 1rem}
h2{font-size:1.35rem;margin:2rem 0 .75rem;border-bottom:2px solid #d5dbe3;padding-bottom:.25rem}
h3{font-size:1.1rem;margin:1.5rem 0 .5rem}
.meta{color:#4a4f57}
ul.datasets{list-style:none;padding:0;margin:0}
ul.datasets li{border:1px solid #d5dbe3;border-radius:6px;padding:.75rem 1rem;margin:0 0 1rem}
ul.datasets h2{border:0;margin:0 0 .25rem;padding:0;font-size:1.2rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
.table-wrap{overflow-x:auto;max-width:100%;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #c4ccd6;padding:.35rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eef2f7}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f2f4f7;padding:0 .2em;border-radius:3px}
.suppressed{font-style:italic;color:#4a4f57}
figure.chart{margin:1rem 0 2rem}
figure.chart svg{display:block;width:100%;height:auto;max-width:100%}
ul.downloads{padding-left:1.2rem}
@media (max-width:480px){main{padding:.75rem}h1{font-size:1.45rem}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}}
`;

export interface LayoutOptions {
  title: string;
  agencyName?: string;
  body: SafeHtml;
  generatedAt: Date;
  releaseId?: string | null;
}

export function layout(o: LayoutOptions): string {
  const site = o.agencyName ? `${o.agencyName} open data` : 'Open data';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · ${site}</title>
<style>${raw(CSS)}</style>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header class="site"><p><a href="/">${site}</a></p></header>
<main id="content">
${o.body}
</main>
<footer class="site"><p>${o.releaseId ? html`Release <code>${o.releaseId}</code>. ` : ''}Page generated ${o.generatedAt.toISOString()}. Machine-readable catalog: <a href="/data.json">data.json</a>.</p></footer>
</body>
</html>
`.value;
}
