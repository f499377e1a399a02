// The html tagged template escapes interpolations by default and composes safely.
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw } from '../../site/html.ts';

describe('html helper', () => {
  it('escapes every interpolated value', () => {
    const evil = `<script>alert('x')</script> & "q"`;
    expect(html`<p title="${evil}">${evil}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</p>',
    );
  });

  it('does not double-escape nested html and joins arrays', () => {
    const items = ['a<b', 'c&d'].map((s) => html`<li>${s}</li>`);
    expect(html`<ul>${items}</ul>`.value).toBe('<ul><li>a&lt;b</li><li>c&amp;d</li></ul>');
  });

  it('renders null, undefined and false as nothing, numbers as text, raw as is', () => {
    expect(html`${null}${undefined}${false}${0}${raw('<br>')}`.value).toBe('0<br>');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });
});
