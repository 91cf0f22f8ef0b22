import { type Placeholder, type SQL, sql } from 'drizzle-orm';
import { articleSlugs, articles } from './schema/articles';
import { users } from './schema/users';
import { isStorableText } from './text';

/**
 * Conditions that find a user whatever the case typed, in the exact form of the unique indexes on
 * `lower(username)` and `lower(email)`, so the lookup is an index probe. The name may be a
 * placeholder, for a prepared query.
 */
export const usernameIs = (username: string | Placeholder): SQL =>
  sql`lower(${users.username}) = lower(${username})`;
export const emailIs = (email: string): SQL => sql`lower(${users.email}) = lower(${email})`;

/**
 * The article whose slug this is, or was: every slug an article has had names it for as long as it
 * lives (article_slugs, decision 031), found by one primary-key probe. A slug that is not storable
 * text (a NUL, a lone surrogate: one decoded from a URL, say) names no article, and PostgreSQL
 * would refuse to compare it: it matches nothing, so every lookup answers as for any unknown slug.
 * A placeholder (a prepared query) is compared as given: its caller checks the value it binds.
 */
export const slugIs = (slug: string | Placeholder): SQL =>
  typeof slug !== 'string' || isStorableText(slug)
    ? sql`${articles.id} = (select ${articleSlugs.articleId} from ${articleSlugs} where ${articleSlugs.slug} = ${slug})`
    : sql`false`;
