// The entities cached values are made from, as cache tags (decision 038), and what each write
// changes. A value is kept with every tag it shows; a write, once committed, invalidates the tags
// of what it changed, and only the values showing those are loaded again.

/** One article: its page, and every list page showing it (title, tags, favorites count). */
export const articleTag = (id: number) => `article:${id}`;
/** One user as shown: their profile, and with every article of theirs (name, bio, image). */
export const userTag = (id: number) => `user:${id}`;
/** Which articles the unfiltered list holds (and its total): changed by a creation or deletion. */
export const ALL_ARTICLES = 'list:all';
/** Which articles carry the tag. */
export const taggedTag = (name: string) => `list:tag:${name}`;
/** Which articles the author wrote. */
export const byAuthorTag = (id: number) => `list:author:${id}`;
/** Whom the user follows: their feed. */
export const followsTag = (userId: number) => `follows:${userId}`;
/** The tag list (names by use). */
export const TAG_LIST = 'tags';
/**
 * Every article and list value at once, for the rare write that changes articles it does not
 * list (an account deleted: its favorites of other people's articles go with it).
 */
export const ALL_CONTENT = 'content';

/** What creating or deleting an article changes, beside the article itself. */
export function membershipTags(authorId: number, tagList: readonly string[]): string[] {
  return [ALL_ARTICLES, byAuthorTag(authorId), TAG_LIST, ...tagList.map(taggedTag)];
}

/** What an edit changes: the article, and with a new tag list the lists of old and new tags. */
export function editTags(
  articleId: number,
  tagLists?: { before: readonly string[]; after: readonly string[] },
): string[] {
  if (!tagLists) return [articleTag(articleId)];
  return [
    articleTag(articleId),
    TAG_LIST,
    ...[...tagLists.before, ...tagLists.after].map(taggedTag),
  ];
}

/** The tags of a value showing these articles (their refs). */
export function shownTags(refs: readonly { id: number; authorId: number }[]): string[] {
  return refs.flatMap((ref) => [articleTag(ref.id), userTag(ref.authorId)]);
}
