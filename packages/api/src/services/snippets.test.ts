import { describe, expect, it } from 'vitest';
import { MATCH_END, MATCH_START, snippetParts } from './snippets';

const marked = (text: string) => text.replaceAll('[', MATCH_START).replaceAll(']', MATCH_END);

describe('snippetParts', () => {
  it('splits a marked headline into plain and highlighted text, markup kept as characters', () => {
    expect(snippetParts(marked('a [b] <img src=x onerror=alert(1)> [c][d] e'))).toEqual([
      { text: 'a ', highlighted: false },
      { text: 'b', highlighted: true },
      { text: ' <img src=x onerror=alert(1)> ', highlighted: false },
      { text: 'cd', highlighted: true },
      { text: ' e', highlighted: false },
    ]);
  });

  it('answers no parts for nothing, and one plain part for text without marks', () => {
    expect(snippetParts('')).toEqual([]);
    expect(snippetParts('just text')).toEqual([{ text: 'just text', highlighted: false }]);
  });
});
