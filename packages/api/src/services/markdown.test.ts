import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

/** Signs that the HTML could run something: a script, an event handler, a javascript: URL... */
function activeContent(html: string): string[] {
  const signs = [
    /<script/i,
    /<iframe/i,
    /<svg/i,
    /<object/i,
    /<embed/i,
    /<form/i,
    /<style/i,
    /\son[a-z]+\s*=/i,
    /javascript:/i,
    /data:/i,
    /vbscript:/i,
  ];
  return signs.filter((sign) => sign.test(html)).map(String);
}

describe('renderMarkdown', () => {
  it.each([
    ['a script tag', '<script>alert(1)</script>'],
    ['an image with onerror', '<img src=x onerror=alert(1)>'],
    ['an absolute image with onerror', '<img src="https://example.com/a.png" onerror="alert(1)">'],
    ['a Markdown javascript: link', '[x](javascript:alert(1))'],
    ['a Markdown javascript: link in disguise', '[x](JaVaScRiPt&#58;alert(1))'],
    ['an HTML javascript: link', '<a href="javascript:alert(1)">x</a>'],
    ['an encoded javascript: link', '<a href="jav&#x09;ascript:alert(1)">x</a>'],
    ['an iframe', '<iframe src="https://evil.example"></iframe>'],
    ['an svg with onload', '<svg onload=alert(1)><circle r="1"/></svg>'],
    ['an event handler on an allowed tag', '<p onclick="alert(1)">hi</p>'],
    ['a data: image', '![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)'],
    ['a style tag', '<style>body{display:none}</style>'],
    ['a form', '<form action="https://evil.example"><input name="q"></form>'],
    ['an object and an embed', '<object data="x.swf"></object><embed src="x.swf">'],
    ['a javascript: image', '![x](javascript:alert(1))'],
  ])('makes %s inert', (_, payload) => {
    const html = renderMarkdown(`Before\n\n${payload}\n\nAfter`);
    expect(activeContent(html)).toEqual([]);
    expect(html).toContain('<p>Before</p>');
    expect(html).toContain('<p>After</p>');
  });

  // htmlparser2 before 10 (sanitize-html before 2.17.2) left zero-padded character references
  // undecoded, so the scheme check never saw "javascript:" and the link was kept.
  it.each([
    ['a zero-padded j', '<a href="&#0000106avascript:alert(1)">x</a>'],
    ['a zero-padded colon', '<a href="javascript&#0000058alert(1)">x</a>'],
  ])('drops a javascript: link spelled with %s', (_, payload) => {
    const html = renderMarkdown(payload);
    expect(html).toContain('>x</a>');
    expect(html).not.toMatch(/href=/);
  });

  it('keeps what Markdown is for: headings, lists, code, links, emphasis, tables, images', () => {
    const html = renderMarkdown(
      [
        '# Title',
        '## Sub',
        '- one\n- two',
        '1. first\n2. second',
        '```ts\nconst x = 1 < 2;\n```',
        'Some `inline` code, *emphasis*, **strong** and ~~gone~~.',
        '[a link](https://example.com/page?q=1) and [relative](/article/x) and [mail](mailto:a@b.example)',
        '![cat](https://example.com/cat.png "A cat")',
        '> quoted',
        '| a | b |\n|---|---|\n| 1 | 2 |',
      ].join('\n\n'),
    );
    for (const fragment of [
      '<h1>Title</h1>',
      '<h2>Sub</h2>',
      '<li>one</li>',
      '<ol>',
      '<pre><code class="language-ts">const x = 1 &lt; 2;\n</code></pre>',
      '<code>inline</code>',
      '<em>emphasis</em>',
      '<strong>strong</strong>',
      '<del>gone</del>',
      '<a href="https://example.com/page?q=1" rel="nofollow noopener noreferrer">a link</a>',
      '<a href="/article/x" rel="nofollow noopener noreferrer">relative</a>',
      '<a href="mailto:a@b.example" rel="nofollow noopener noreferrer">mail</a>',
      '<img src="https://example.com/cat.png" alt="cat" title="A cat" />',
      '<blockquote>',
      '<td>1</td>',
    ]) {
      expect(html).toContain(fragment);
    }
  });

  it('shows HTML inside code as text, not as markup', () => {
    const html = renderMarkdown('```html\n<script>alert(1)</script>\n```');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script');
  });

  it('keeps only absolute web images', () => {
    expect(renderMarkdown('![x](/local.png)')).not.toContain('<img');
    expect(renderMarkdown('![x](//evil.example/a.png)')).not.toContain('<img');
  });

  it('makes task-list boxes read-only', () => {
    const html = renderMarkdown('- [x] done\n- [ ] todo');
    expect(html).toContain('<input type="checkbox" disabled checked />');
    expect(html).toContain('<input type="checkbox" disabled />');
  });

  describe('bodies that would take long to render', () => {
    const hostile = {
      'a 100 000-character run of `_a`': '_a'.repeat(50_000),
      'a 100 000-character run of `*a`': '*a'.repeat(50_000),
      'blockquotes nested 50 000 deep': '> '.repeat(50_000),
      'lists nested 30 000 deep': '1. '.repeat(30_000),
      'list items indented ever deeper': Array.from(
        { length: 400 },
        (_, i) => `${' '.repeat(i)}- x`,
      ).join('\n'),
    };

    // Shown as plain text means the guard refused them before the parser saw them: how long the
    // parser would take is the guard's reason, not something a test can time on a busy machine.
    it.each(Object.entries(hostile))('shows %s as plain text, unparsed', (_, body) => {
      const html = renderMarkdown(`${body}\n\n<script>alert(1)</script>`);
      expect(html.startsWith('<pre>')).toBe(true);
      expect(html).toContain('&lt;script&gt;');
      expect(activeContent(html)).toEqual([]);
    });

    it('still renders long but ordinary articles as Markdown', () => {
      const paragraph = `Some *emphasis*, a [link](https://example.com/${'x'.repeat(300)}) and _more_.`;
      const body = Array.from({ length: 250 }, (_, i) => `## Part ${i}\n\n${paragraph}`).join(
        '\n\n',
      );
      expect(body.length).toBeGreaterThan(90_000);
      expect(body.length).toBeLessThanOrEqual(100_000);
      const html = renderMarkdown(body);
      expect(html).toContain('<h2>Part 249</h2>');
      expect(html).toContain('<em>emphasis</em>');
    });
  });
});
