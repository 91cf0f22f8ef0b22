// Article bodies are Markdown written by anyone; this turns them into HTML that is safe to show.
import { createHash } from 'node:crypto';
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

// Our own instance, so no other code's `marked.use(...)` can change how bodies render.
const markdown = new Marked({ gfm: true, async: false });

/*
 * Bodies marked would take long to render (it is not linear in every case) are shown as plain
 * text instead, which costs nothing: at most 100 000 characters must never block the server for
 * long at every read. Real articles stay far below these bounds.
 * - Runs of non-space characters: marked's inline rules (GFM e-mail autolinks above all) rescan
 *   the rest of a run at each of its positions, so one paragraph of 50 000 `_a` takes seconds.
 * - Nesting (`> > > ...`, `1. 1. 1. ...`, ever deeper indentation): deep enough, it takes
 *   hundreds of milliseconds, then exhausts the stack.
 */
const MARKDOWN_LIMITS = { longestRun: 2000, deepestNesting: 32, deepestIndent: 100 };

const isSpace = (c: number) => c === 0x20 || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Whether rendering `body` as Markdown could take long (see above); one pass, linear. */
function tooComplexToRender(body: string): boolean {
  const { longestRun, deepestNesting, deepestIndent } = MARKDOWN_LIMITS;
  let run = 0;
  let lineStart = true;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (lineStart) {
      lineStart = false;
      const { depth, indent } = lineNesting(body, i);
      if (depth > deepestNesting || indent > deepestIndent) return true;
    }
    if (c === 0x0a || c === 0x0d) lineStart = true;
    run = isSpace(c) || c === 0x0a || c === 0x0d ? 0 : run + 1;
    if (run > longestRun) return true;
  }
  return false;
}

/** How many container markers (`>`, `-`, `*`, `+`, `1.`, `1)`) open the line at `start`. */
function lineNesting(text: string, start: number): { depth: number; indent: number } {
  let depth = 0;
  let indent = 0;
  let i = start;
  for (;;) {
    while (isSpace(text.charCodeAt(i))) {
      i++;
      if (depth === 0) indent++;
    }
    const marker = markerLength(text, i);
    if (marker === 0) return { depth, indent };
    depth++;
    i += marker;
  }
}

/** The length of the blockquote or list marker at `i`, or 0 if there is none. */
function markerLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x3e) return 1; // >
  const bullet = c === 0x2d || c === 0x2a || c === 0x2b; // - * +
  if (bullet) return isSpace(text.charCodeAt(i + 1)) ? 1 : 0;
  let j = i;
  while (isDigit(text.charCodeAt(j)) && j - i < 9) j++;
  const delimiter = text.charCodeAt(j) === 0x2e || text.charCodeAt(j) === 0x29; // . )
  return j > i && delimiter && isSpace(text.charCodeAt(j + 1)) ? j + 1 - i : 0;
}

const LINK_REL = 'nofollow noopener noreferrer';
const httpUrl = /^https?:\/\//i;

/**
 * An allow-list: only what Markdown produces survives. Everything else — script, style, iframe,
 * object, embed, svg, forms — is dropped, as are all `on*` event attributes (no attribute is
 * allowed unless listed) and any URL whose scheme is not listed (`javascript:`, `data:`, ...).
 */
const policy: sanitizeHtml.IOptions = {
  allowedTags: [
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code'],
    ...['em', 'strong', 'del', 's', 'sup', 'sub', 'kbd', 'ul', 'ol', 'li', 'a', 'img', 'input'],
    ...['table', 'thead', 'tbody', 'tr', 'th', 'td', 'details', 'summary'],
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title'],
    ol: ['start'],
    th: ['align'],
    td: ['align'],
    input: ['type', 'checked', 'disabled'],
  },
  allowedClasses: { code: ['language-*'] },
  // Links: web, mail and relative URLs; images: absolute web URLs only (filtered below).
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  // Dropped with their content, not just their tags, so no script source shows up as text.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'svg', 'math'],
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: LINK_REL } }),
    // GFM task-list boxes, and nothing else an <input> could be.
    input: (tagName, attribs) => ({
      tagName,
      attribs: {
        type: 'checkbox',
        disabled: '',
        ...(attribs.checked === undefined ? {} : { checked: '' }),
      },
    }),
  },
  exclusiveFilter: (frame) => frame.tag === 'img' && !httpUrl.test(frame.attribs.src ?? ''),
};

/** The HTML of a Markdown body, sanitised: stored XSS payloads come out inert. */
export function renderMarkdown(body: string): string {
  const key = createHash('sha256').update(body).digest('base64url');
  const known = rendered.get(key);
  if (known !== undefined) {
    // Re-inserted: the Map's order is then least recently used first.
    rendered.delete(key);
    rendered.set(key, known);
    return known;
  }
  const html = sanitizeHtml(markdownToHtml(body), policy);
  if (html.length > RENDERED_HTML_MAX) return html;
  rendered.set(key, html);
  if (rendered.size > RENDERED_MAX) {
    const oldest = rendered.keys().next();
    if (!oldest.done) rendered.delete(oldest.value);
  }
  return html;
}

/*
 * Rendering and sanitising is most of what reading an article costs (article.get ran at about a
 * third of the bare query's rate). The HTML depends on the body alone, so it is kept by a hash of
 * the body: an edited body has another key, and nothing here can be stale. Bounded: at most
 * RENDERED_MAX bodies of at most RENDERED_HTML_MAX characters of HTML each (~50 MB at worst).
 */
const RENDERED_MAX = 500;
const RENDERED_HTML_MAX = 50_000;
const rendered = new Map<string, string>();

function markdownToHtml(body: string): string {
  if (tooComplexToRender(body)) return asPlainText(body);
  try {
    return markdown.parse(body, { async: false });
  } catch {
    // Nesting deep enough to exhaust the stack (thousands of `>`): show the source as text rather
    // than fail every read of the article.
    return asPlainText(body);
  }
}

function asPlainText(body: string): string {
  return `<pre>${body.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</pre>`;
}
