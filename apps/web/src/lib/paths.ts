// The addresses of the app's pages, built in one place, so a name or slug is always encoded the
// same way (a username or tag may hold characters that mean something in a URL).

export const profilePath = (username: string) => `/profile/${encodeURIComponent(username)}`;

/** The articles `username` favorited. */
export const favoritesPath = (username: string) => `${profilePath(username)}/favorites`;

export const articlePath = (slug: string) => `/article/${encodeURIComponent(slug)}`;

export const editorPath = (slug: string) => `/editor/${encodeURIComponent(slug)}`;

/** The home page's feed of one tag. */
export const tagPath = (tag: string) => `/?tag=${encodeURIComponent(tag)}`;

/** The search results for `q`, from the first page. */
export const searchPath = (q: string) => `/search?${new URLSearchParams({ q })}`;
