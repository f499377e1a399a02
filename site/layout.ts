// The one shared page layout: document head, inline CSS (responsive down to 375px, AA contrast),
// header with the agency name and site navigation, <main>, footer. No client JavaScript except the
// chart pages' progressive enhancement, loaded from 'self' via `scripts`.
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
header.site{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem 1.25rem}
header.site p{margin:0;font-weight:600}
nav.site ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
nav.site a{text-decoration:underline;text-underline-offset:2px}
nav.site a[aria-current="page"]{font-weight:700}
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
.crumbs{margin:.25rem 0}
.card{border:1px solid #d5dbe3;border-radius:6px;padding:.75rem 1rem;margin:0 0 1rem}
.badge{display:inline-block;border-radius:999px;padding:0 .6em;font-size:.85rem;font-weight:600;border:1px solid currentColor}
.badge.open{color:#0a5c2b;background:#e7f5ec}.badge.upcoming{color:#7a4b00;background:#fff4dc}.badge.closed{color:#3f444b;background:#eef0f3}
.badge.approved{color:#0a5c2b;background:#e7f5ec}.badge.proposed{color:#7a4b00;background:#fff4dc}.badge.retired{color:#3f444b;background:#eef0f3}
.big{font-size:1.6rem;font-weight:700;font-variant-numeric:tabular-nums}
.change-up{color:#8a1c1c}.change-down{color:#0a5c2b}
details{margin:.25rem 0 .75rem}details pre{white-space:pre-wrap;word-break:break-word;background:#f2f4f7;padding:.5rem;border-radius:4px;font-size:.85rem}
summary{cursor:pointer;color:#0b4fa3}
main pre{max-width:100%;white-space:pre-wrap;word-break:break-word;background:#f2f4f7;padding:.5rem;border-radius:4px;font-size:.85rem}
pre.snippet{white-space:pre-wrap;word-break:break-all;background:#f2f4f7;padding:.5rem;border-radius:4px;font-size:.85rem}
.vega-view{position:relative;min-height:2rem}
.vega-view svg{max-width:100%;height:auto}
.vega-tip{position:absolute;z-index:5;background:#fff;border:1px solid #4a4f57;border-radius:4px;padding:.3rem .5rem;font-size:.85rem;max-width:220px;pointer-events:none;box-shadow:0 2px 6px rgba(0,0,0,.2)}
form.stack label{display:block;font-weight:600;margin:.75rem 0 .25rem}
form.stack fieldset{border:1px solid #c4ccd6;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
form.stack legend{font-weight:600;padding:0 .25rem}
form.stack fieldset label{font-weight:400;display:flex;gap:.5rem;align-items:flex-start;margin:.4rem 0}
form.stack input[type=number],form.stack select{font:inherit;padding:.35rem .5rem;border:1px solid #6b7280;border-radius:4px;max-width:100%}
form.stack input[type=checkbox],form.stack input[type=radio]{margin-top:.35rem}
.hint{display:block;font-weight:400;color:#4a4f57;font-size:.9rem}
button,.button{font:inherit;background:#0b4fa3;color:#fff;border:0;border-radius:4px;padding:.5rem 1rem;cursor:pointer}
button:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.errors{border:2px solid #a61b1b;border-radius:6px;padding:.5rem 1rem;color:#5c0d0d;background:#fdf0f0}
.total{font-size:1.25rem;font-weight:700}
ul.plain{list-style:none;padding:0}
td.num,th.num{white-space:nowrap}
@media (max-width:480px){main{padding:.75rem}th,td{padding:.3rem .35rem;font-size:.9rem}td.num,th.num{white-space:normal}h1{font-size:1.45rem}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}}
`;

export interface LayoutOptions {
  title: string;
  agencyName?: string;
  body: SafeHtml;
  generatedAt: Date;
  releaseId?: string | null;
  /** Same-origin script URLs appended to the body (chart pages only). */
  scripts?: string[];
  /** Extra <head> links, e.g. an Atom feed. */
  feeds?: { href: string; title: string }[];
  /** Which navigation entry is the current page. */
  nav?: NavKey;
}

export type NavKey = 'datasets' | 'brief' | 'surveillance' | 'fees' | 'privacy';

const NAV: { key: NavKey; href: string; label: string }[] = [
  { key: 'datasets', href: '/', label: 'Datasets' },
  { key: 'brief', href: '/brief', label: 'Public safety brief' },
  { key: 'surveillance', href: '/surveillance', label: 'Surveillance technology' },
  { key: 'fees', href: '/fees/body-worn-video', label: 'Video fee estimator' },
  { key: 'privacy', href: '/privacy', label: 'Privacy' },
];

export function layout(o: LayoutOptions): string {
  const site = o.agencyName ? `${o.agencyName} open data` : 'Open data';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} &middot; ${site}</title>
<style>${raw(CSS)}</style>
${(o.feeds ?? []).map((f) => html`<link rel="alternate" type="application/atom+xml" title="${f.title}" href="${f.href}">
`)}</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header class="site"><p><a href="/">${site}</a></p>
<nav class="site" aria-label="Site"><ul>${NAV.map(
    (n) => html`<li><a href="${n.href}"${o.nav === n.key ? raw(' aria-current="page"') : ''}>${n.label}</a></li>`,
  )}</ul></nav></header>
<main id="content">
${o.body}
</main>
<footer class="site"><p>${o.releaseId ? html`Release <code>${o.releaseId}</code>. ` : ''}Page generated ${o.generatedAt.toISOString()}. Machine-readable catalog: <a href="/data.json">data.json</a>.</p></footer>
${(o.scripts ?? []).map((src) => html`<script src="${src}"></script>
`)}</body>
</html>
`.value;
}
