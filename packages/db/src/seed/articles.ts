// Draws articles one by one, in publication order, each with its tags, favorites and comments.
import type { articles } from '../schema/index';
import { generateArticleText, generateAuthorReply, generateComment, slugify } from './content';
import type { Population } from './population';
import type { Random } from './random';
import { ARTICLES_FROM, growthMoment, MINUTE, momentAfter, SEED_EPOCH_END } from './timeline';
import { drawArticleTags, fallbackTopic } from './topics';
import type { TagInfo } from './words';

/** Average favorites per article of average popularity. */
const MEAN_FAVORITES = 4;
/** Average comments per article of average popularity. */
const MEAN_COMMENTS = 1.2;
const MAX_COMMENTS = 60;

export type ArticleRow = Omit<typeof articles.$inferInsert, 'id'>;

/** An article before it has an id; people are referred to by their index in the population. */
export interface ArticleDraft {
  /** `authorId` is still the author's index in the population. */
  row: ArticleRow;
  tags: TagInfo[];
  favorites: { user: number; createdAt: Date }[];
  comments: { author: number; body: string; createdAt: Date; updatedAt: Date }[];
}

export class ArticleDrafter {
  private drawn = 0;
  /** How many users had signed up by the current article's date (they are sorted by sign-up). */
  private signedUp = 1;
  private previousAt = 0;
  /** Mean fame of an author, weighted by how much each writes: popularity 1 is an average article. */
  private readonly meanAuthorFame: number;

  constructor(
    private readonly rng: Random,
    private readonly people: Population,
    private readonly total: number,
  ) {
    let weighted = 0;
    let weights = 0;
    for (let i = 0; i < people.size; i++) {
      const w = people.writing.weight(i);
      weighted += w * (people.fame[i] ?? 0);
      weights += w;
    }
    this.meanAuthorFame = weights > 0 ? weighted / weights : 1;
  }

  /** The next article; its number (1-based, in this run) is part of its slug, so slugs are unique. */
  next(): ArticleDraft {
    const { rng, people } = this;
    const number = ++this.drawn;
    // Strictly increasing, so that id order (insertion order) is also publication order.
    const createdAt = Math.max(
      this.previousAt + 1,
      growthMoment(ARTICLES_FROM, SEED_EPOCH_END - MINUTE, (number - 1 + rng.next()) / this.total),
    );
    this.previousAt = createdAt;
    while (this.signedUp < people.size && (people.createdAt[this.signedUp] ?? 0) <= createdAt) {
      this.signedUp++;
    }
    const author = people.writing.pick(rng, this.signedUp);
    const tags = drawArticleTags(rng, people.mainTag[author] ?? fallbackTopic);
    const text = generateArticleText(rng, tags);
    const edited = rng.chance(0.25);
    const row: ArticleRow = {
      ...text,
      slug: `${slugify(text.title)}-${number}`,
      authorId: author,
      createdAt: new Date(createdAt),
      updatedAt: new Date(edited ? momentAfter(createdAt, rng.next(), 3) : createdAt),
    };
    const popularity = ((people.fame[author] ?? 0) / this.meanAuthorFame) * rng.logNormal(-0.5, 1);
    return {
      row,
      tags,
      favorites: this.drawFavorites(author, createdAt, popularity),
      comments: this.drawComments(author, createdAt, popularity, tags[0]),
    };
  }

  /** Readers who favorited it: engaged users most often, never the author, each at most once. */
  private drawFavorites(
    author: number,
    publishedAt: number,
    popularity: number,
  ): ArticleDraft['favorites'] {
    const { rng, people } = this;
    const wanted = Math.min(rng.geometric(MEAN_FAVORITES * popularity), people.size - 1);
    const chosen = new Set<number>();
    const favorites: ArticleDraft['favorites'] = [];
    for (let attempt = 0; chosen.size < wanted && attempt < wanted * 8; attempt++) {
      const user = people.engagement.pick(rng);
      if (user === author || chosen.has(user)) continue;
      chosen.add(user);
      const since = Math.max(publishedAt, people.createdAt[user] ?? 0);
      favorites.push({ user, createdAt: new Date(momentAfter(since, rng.next(), 3)) });
    }
    return favorites;
  }

  /** Comments, mostly in the days after publication; the author sometimes answers. */
  private drawComments(
    author: number,
    publishedAt: number,
    popularity: number,
    topic: TagInfo | undefined,
  ): ArticleDraft['comments'] {
    const { rng, people } = this;
    const count = Math.min(rng.geometric(MEAN_COMMENTS * Math.sqrt(popularity)), MAX_COMMENTS);
    const authorName = people.usernames[author] ?? 'there';
    const comments: ArticleDraft['comments'] = [];
    for (let i = 0; i < count; i++) {
      const commenter = rng.chance(0.1) ? author : people.engagement.pick(rng);
      const since = Math.max(publishedAt, people.createdAt[commenter] ?? 0);
      const createdAt = momentAfter(since, rng.next(), 4);
      comments.push({
        author: commenter,
        body:
          commenter === author
            ? generateAuthorReply(rng)
            : generateComment(rng, topic ?? fallbackTopic, authorName),
        createdAt: new Date(createdAt),
        updatedAt: new Date(rng.chance(0.05) ? createdAt + rng.int(1, 30) * MINUTE : createdAt),
      });
    }
    return comments;
  }
}
