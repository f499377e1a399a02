// Plain error pages: no release yet (503), not found (404), and a generic failure without details.
import { html } from '../html.ts';
import { layout } from '../layout.ts';

export function noReleasePage(now: Date): string {
  return layout({
    title: 'No release yet',
    body: html`<h1>No release has been published yet</h1>
<p>This portal will list datasets as soon as the first release is published. Please check back later.</p>`,
    generatedAt: now,
  });
}

export function notFoundPage(now: Date, agencyName?: string): string {
  return layout({
    title: 'Not found',
    agencyName,
    body: html`<h1>Page not found</h1>
<p>There is no page at this address. <a href="/">See all datasets</a>.</p>`,
    generatedAt: now,
  });
}

export function errorPage(now: Date, status: number): string {
  const message = status >= 500 ? 'Something went wrong on our side. Please try again later.' : 'The request could not be understood.';
  return layout({
    title: 'Error',
    body: html`<h1>${status >= 500 ? 'Server error' : 'Bad request'}</h1><p>${message}</p>`,
    generatedAt: now,
  });
}
