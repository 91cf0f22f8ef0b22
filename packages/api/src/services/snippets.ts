// Snippets from ts_headline, made safe: PostgreSQL marks the matched words with two control
// characters (never HTML, which would have to be trusted), and they become structured parts here.
import type { SnippetPart } from '../schemas/search';

/** Marks ts_headline puts around a match; stripped from the text first, so only PostgreSQL's count. */
export const MATCH_START = '\u0002';
export const MATCH_END = '\u0003';

/** The parts of a marked headline, in order, adjacent parts of one kind merged, empty ones dropped. */
export function snippetParts(headline: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let highlighted = false;
  let start = 0;
  const push = (end: number) => {
    const text = headline.slice(start, end);
    if (text === '') return;
    const last = parts.at(-1);
    if (last && last.highlighted === highlighted) last.text += text;
    else parts.push({ text, highlighted });
  };
  for (let i = 0; i < headline.length; i++) {
    const ch = headline[i];
    if (ch !== MATCH_START && ch !== MATCH_END) continue;
    push(i);
    start = i + 1;
    highlighted = ch === MATCH_START;
  }
  push(headline.length);
  return parts;
}
