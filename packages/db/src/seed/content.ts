// Text generators: usernames, profiles, article titles and Markdown bodies, comments.

import { avatarUrl } from '../avatars';
import { codeSample } from './code-samples';
import type { Random } from './random';
import {
  adjectives,
  authorReplies,
  claims,
  commentTemplates,
  companies,
  firstNames,
  headings,
  hobbies,
  lastNames,
  linkTargets,
  listItems,
  openers,
  qualifiers,
  roleTitles,
  subjects,
  type TagInfo,
  themes,
  verbs,
} from './words';

export const BODY_MIN_CHARS = 300;
export const BODY_MAX_CHARS = 2500;

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
/** "is" or "are", to agree with a theme (plural themes end in `s`). */
const isAre = (theme: string): string => (theme.endsWith('s') ? 'are' : 'is');
const titleCase = (text: string): string =>
  text.replace(/(^|[\s-])([a-z])/g, (_, gap: string, letter: string) => gap + letter.toUpperCase());

/**
 * A username built from a first and last name, unique case-insensitively: `isFree` receives the
 * lowercased candidate and says whether it is still available. Fits `^[A-Za-z0-9_-]{1,32}$`.
 */
export function generateUsername(rng: Random, isFree: (lower: string) => boolean): string {
  const first = rng.pick(firstNames);
  const last = rng.pick(lastNames);
  const base = rng.weighted(
    [
      `${first}_${last}`,
      `${first}${last}`,
      `${first}-${last}`,
      `${first.charAt(0)}${last}`,
      `${capitalize(first)}${capitalize(last)}`,
      `${first}_${last.charAt(0)}`,
      first,
    ],
    [40, 15, 10, 10, 10, 10, 5],
  );
  if (isFree(base.toLowerCase())) return base;
  // A birth year or favourite number first, as people do; then a counter that always terminates.
  for (let attempt = 0; attempt < 3; attempt++) {
    const candidate = `${base}${rng.chance(0.5) ? rng.int(70, 99) : rng.int(2, 999)}`;
    if (isFree(candidate.toLowerCase())) return candidate;
  }
  for (let n = 1000; ; n++) {
    const candidate = `${base}${n}`;
    if (isFree(candidate.toLowerCase())) return candidate;
  }
}

export function generateBio(rng: Random, topics: readonly TagInfo[]): string | null {
  if (!rng.chance(0.45)) return null;
  const distinct = [...new Map(topics.map((topic) => [topic.name, topic])).values()];
  const [first, second] = rng.shuffle(distinct);
  const about = second ? `${first?.label} and ${second.label}` : `${first?.label ?? 'software'}`;
  let bio = `${rng.pick(roleTitles)} at ${rng.pick(companies)}. Writes about ${about}.`;
  if (rng.chance(0.4)) bio += ` Off-screen: ${rng.pick(hobbies)}.`;
  return bio;
}

/**
 * A picture drawn by the site at `origin` for about half of the users (decision 033); the others
 * get the front end's default.
 */
export function generateImage(rng: Random, username: string, origin: string): string | null {
  if (!rng.chance(0.5)) return null;
  return avatarUrl(origin, username);
}

export interface ArticleText {
  title: string;
  description: string;
  body: string;
}

/** Title, description and Markdown body about `tags[0]` (the article's main topic). */
export function generateArticleText(rng: Random, tags: readonly TagInfo[]): ArticleText {
  const topic = tags[0] ?? { name: 'programming', label: 'programming' };
  const other = tags[1];
  const theme = rng.pick(themes);
  return {
    title: generateTitle(rng, topic, other, theme),
    description: generateDescription(rng, topic, theme),
    body: generateBody(rng, topic, theme),
  };
}

function generateTitle(
  rng: Random,
  topic: TagInfo,
  other: TagInfo | undefined,
  theme: string,
): string {
  const t = topic.label.length <= 3 ? topic.label : titleCase(topic.label);
  const h = titleCase(theme);
  const templates = [
    `${rng.int(3, 12)} Lessons from a Year of ${t}`,
    `How We Rethought ${h} with ${t}`,
    `Why ${h} ${titleCase(isAre(theme))} ${titleCase(rng.pick(adjectives))}`,
    `A Practical Guide to ${h} in ${t}`,
    `${t} ${h}: What Nobody Tells You`,
    `Stop Worrying About ${h}`,
    `What ${t} Taught Me About ${h}`,
    `Understanding ${h} in ${t}`,
    `From Zero to Production with ${t}`,
    `Notes on ${h}`,
    `${t} in ${rng.int(2024, 2026)}: What Changed`,
    `The Hidden Cost of ${h}`,
    `${h} Without the Drama`,
  ];
  if (other && other.name !== topic.name) {
    templates.push(`${t} vs. ${other.label}: An Honest Comparison`);
  }
  return rng.pick(templates);
}

function generateDescription(rng: Random, topic: TagInfo, theme: string): string {
  return rng.pick([
    `${rng.pick(openers)} ${rng.pick(claims)}, especially when it comes to ${theme}.`,
    `A look at how ${theme} ${theme.endsWith('s') ? 'work' : 'works'} in ${topic.label}, what we got wrong, and what we changed.`,
    `Practical notes on ${theme} for anyone working with ${topic.label}.`,
    `Everything I wish I had known about ${theme} before my first ${topic.label} project.`,
    `${capitalize(theme)} ${isAre(theme)} ${rng.pick(adjectives)}. Here is why.`,
  ]);
}

/** Writes one article body, remembering what it said so that it does not repeat itself. */
class BodyWriter {
  private readonly said = new Set<string>();
  private readonly shownCode = new Set<string>();

  constructor(
    private readonly rng: Random,
    private readonly topic: TagInfo,
    private readonly theme: string,
  ) {}

  sentence(): string {
    let text = this.drawSentence();
    for (let retry = 0; retry < 5 && this.said.has(text); retry++) text = this.drawSentence();
    this.said.add(text);
    return text;
  }

  paragraph(sentences: number): string {
    return Array.from({ length: sentences }, () => this.sentence()).join(' ');
  }

  /** A paragraph most often; sometimes a list, a quote or (twice at most) a code sample. */
  block(): string {
    const { rng } = this;
    const roll = rng.int(0, 9);
    if (roll < 2) {
      const items = rng.shuffle(listItems).slice(0, rng.int(3, 5));
      const ordered = rng.chance(0.4);
      return items.map((item, i) => `${ordered ? `${i + 1}.` : '-'} ${item}.`).join('\n');
    }
    if (roll < 4 && this.topic.code && this.shownCode.size < 2) {
      const code = codeSample(rng, this.topic.code);
      if (!this.shownCode.has(code)) {
        this.shownCode.add(code);
        return code;
      }
    }
    if (roll === 4) return `> ${capitalize(rng.pick(claims))}.`;
    return this.paragraph(rng.int(2, 4));
  }

  private drawSentence(): string {
    const { rng, topic, theme } = this;
    switch (rng.int(0, 9)) {
      case 0:
      case 1:
      case 2:
        return `${rng.pick(subjects)} ${rng.pick(verbs)} ${rng.pick(themes)} ${rng.pick(qualifiers)}.`;
      case 3:
      case 4:
        return `${rng.pick(openers)} ${rng.pick(claims)}.`;
      case 5:
        return `When it comes to ${topic.label}, ${rng.pick(claims)}.`;
      case 6: {
        const link = rng.pick(linkTargets);
        return `See [${link.text}](${link.url}) for the details on ${theme}.`;
      }
      case 7:
        return `Honestly, ${theme} ${isAre(theme)} *${rng.pick(adjectives)}*.`;
      case 8:
        return `**The short version:** ${rng.pick(claims)}.`;
      default:
        return `We spent ${rng.int(2, 9)} weeks untangling ${rng.pick(themes)} ${rng.pick(qualifiers)}.`;
    }
  }
}

/** Markdown of BODY_MIN_CHARS..BODY_MAX_CHARS characters: intro, then sections under `##` headings. */
function generateBody(rng: Random, topic: TagInfo, theme: string): string {
  const writer = new BodyWriter(rng, topic, theme);
  const target = rng.int(BODY_MIN_CHARS, BODY_MAX_CHARS);
  const blocks = [writer.paragraph(rng.int(2, 3))];
  let length = blocks[0]?.length ?? 0;
  const sectionHeadings = rng.shuffle(headings);
  let nextHeading = 0;
  let sinceHeading = 99;
  while (length < target) {
    let next = writer.block();
    // A heading always travels with the block under it, so a body never ends on a bare heading.
    if (sinceHeading >= 2 && nextHeading < sectionHeadings.length && rng.chance(0.6)) {
      next = `## ${sectionHeadings[nextHeading++]}\n\n${next}`;
      sinceHeading = 0;
    }
    sinceHeading++;
    if (length + 2 + next.length > BODY_MAX_CHARS) {
      if (length >= BODY_MIN_CHARS) break;
      next = writer.sentence();
    }
    blocks.push(next);
    length += 2 + next.length;
  }
  return blocks.join('\n\n');
}

export function generateComment(rng: Random, topic: TagInfo, authorName: string): string {
  const fill = (template: string): string =>
    template
      .replaceAll('{topic}', topic.label)
      .replaceAll('{theme}', rng.pick(themes))
      .replaceAll('{author}', authorName);
  const first = fill(rng.pick(commentTemplates));
  return rng.chance(0.25) ? `${first} ${fill(rng.pick(commentTemplates))}` : first;
}

export function generateAuthorReply(rng: Random): string {
  return rng.pick(authorReplies);
}

/** Lowercase ASCII words joined by dashes, at most 80 characters; never empty. */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 80)
    .replace(/^-+|-+$/g, '');
  return slug || 'article';
}
