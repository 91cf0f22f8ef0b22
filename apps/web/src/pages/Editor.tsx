// Writing and editing an article: title, description, Markdown body and tags.
import type { RouterOutputs } from '@conduit/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { Field, FormErrors } from '../components/Form';
import { ErrorState, Loading } from '../components/States';
import { articlePath } from '../lib/paths';
import { useTitle } from '../lib/title';
import { hasRole, useViewer } from '../lib/viewer';
import { useTRPC } from '../trpc';

type Article = RouterOutputs['article']['get']['article'];

const FIELDS = ['title', 'description', 'body', 'tagList'] as const;

export function EditorPage() {
  const { slug } = useParams();
  useTitle(slug === undefined ? 'New article' : 'Edit article');
  const trpc = useTRPC();
  const existing = useQuery({
    // The Markdown source only: the editor never shows the rendering.
    ...trpc.article.get.queryOptions({ slug: slug ?? '' }),
    enabled: slug !== undefined,
  });
  if (slug === undefined) return <ArticleForm key="new" />;
  if (existing.isPending) return <Loading what="Loading the article" />;
  if (existing.isError) {
    return (
      <div className="container page">
        <ErrorState error={existing.error} retry={existing.refetch} />
      </div>
    );
  }
  return <ArticleForm key={slug} article={existing.data.article} />;
}

function ArticleForm({ article }: { article?: Article }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { viewer } = useViewer();
  const [title, setTitle] = useState(article?.title ?? '');
  const [description, setDescription] = useState(article?.description ?? '');
  const [body, setBody] = useState(article?.body ?? '');
  const [tags, setTags] = useState<string[]>(article?.tagList ?? []);

  const saved = async ({
    article: result,
  }: {
    article: RouterOutputs['article']['create']['article'];
  }) => {
    // The write answers both: the article page and a later edit show it without asking again.
    queryClient.setQueryData(trpc.article.view.queryKey({ slug: result.slug }), {
      article: result,
    });
    queryClient.setQueryData(trpc.article.get.queryKey({ slug: result.slug }), {
      article: result,
    });
    await queryClient.invalidateQueries({ queryKey: trpc.article.list.pathKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.article.feed.pathKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.tag.pathKey() });
    void navigate(articlePath(result.slug));
  };
  const create = useMutation(trpc.article.create.mutationOptions({ onSuccess: saved }));
  const update = useMutation(trpc.article.update.mutationOptions({ onSuccess: saved }));
  const save = article ? update : create;

  const mayEdit =
    !article || viewer?.username === article.author.username || hasRole(viewer, 'moderator');
  if (!mayEdit) {
    return (
      <div className="container page">
        <p className="state state-error" role="alert">
          Only the author of this article may edit it.
        </p>
      </div>
    );
  }

  return (
    <div className="container page narrow editor-page">
      <h1>{article ? 'Edit article' : 'New article'}</h1>
      <FormErrors error={save.error} fields={FIELDS} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const fields = { title, description, body, tagList: tags };
          if (article) update.mutate({ slug: article.slug, ...fields });
          else create.mutate(fields);
        }}
      >
        <Field label="Title" name="title" error={save.error}>
          {(props) => (
            <input
              {...props}
              className="input-lg"
              required
              value={title}
              onChange={(event) => setTitle(event.target.value)}
            />
          )}
        </Field>
        <Field
          label="What's this article about?"
          subject="The description"
          name="description"
          error={save.error}
        >
          {(props) => (
            <input
              {...props}
              value={description}
              onChange={(event) => setDescription(event.target.value)}
            />
          )}
        </Field>
        <Field label="Article (Markdown)" subject="The article" name="body" error={save.error}>
          {(props) => (
            <textarea
              {...props}
              rows={12}
              required
              value={body}
              onChange={(event) => setBody(event.target.value)}
            />
          )}
        </Field>
        <TagsInput tags={tags} onChange={setTags} error={save.error} />
        <button
          type="submit"
          className="btn btn-lg btn-primary pull-right"
          disabled={save.isPending}
        >
          {save.isPending ? 'Publishing…' : article ? 'Update article' : 'Publish article'}
        </button>
      </form>
    </div>
  );
}

/** Tags typed one at a time (Enter or comma adds one), each removable with its own button. */
function TagsInput({
  tags,
  onChange,
  error,
}: {
  tags: string[];
  onChange: (tags: string[]) => void;
  error: unknown;
}) {
  const listId = useId();
  const [draft, setDraft] = useState('');
  const add = (text: string) => {
    const typed = text.split(',').map((tag) => tag.trim());
    const fresh = [...new Set(typed)].filter((tag) => tag.length > 0 && !tags.includes(tag));
    if (fresh.length > 0) onChange([...tags, ...fresh]);
    setDraft('');
  };
  return (
    <>
      <Field
        label="Tags"
        name="tagList"
        error={error}
        hint="Press Enter or type a comma after each tag."
      >
        {(props) => (
          <input
            {...props}
            aria-describedby={[props['aria-describedby'], listId].filter(Boolean).join(' ')}
            value={draft}
            onChange={(event) => {
              const value = event.target.value;
              if (value.includes(',')) add(value);
              else setDraft(value);
            }}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                add(draft);
              }
            }}
            onBlur={() => add(draft)}
          />
        )}
      </Field>
      <ul className="tag-list" id={listId} aria-label="Tags of this article">
        {tags.map((tag) => (
          <li key={tag} className="tag tag-filled">
            {tag}
            <button
              type="button"
              className="tag-remove"
              aria-label={`Remove tag ${tag}`}
              onClick={() => onChange(tags.filter((t) => t !== tag))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}
