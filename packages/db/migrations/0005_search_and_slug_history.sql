CREATE TABLE "article_slugs" (
	"slug" text PRIMARY KEY NOT NULL,
	"article_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "articles" ADD COLUMN "search_vector" "tsvector" DEFAULT ''::tsvector NOT NULL;--> statement-breakpoint
ALTER TABLE "article_slugs" ADD CONSTRAINT "article_slugs_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "public"."articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "article_slugs_article_id_idx" ON "article_slugs" USING btree ("article_id");--> statement-breakpoint
-- Hand-written from here (drizzle-kit does not model triggers).
--
-- Search (decision 030). An article's search document: the title weighs most (A), then the
-- description and the tag names (B), then the body (C). English rules (stems, stop words) for
-- every article: words of other languages still match themselves, without stemming.
CREATE FUNCTION "article_search_document"("title" text, "description" text, "body" text, "tag_names" text)
	RETURNS tsvector LANGUAGE sql STABLE AS $$
	SELECT setweight(to_tsvector('english', "title"), 'A')
		|| setweight(to_tsvector('english', "description"), 'B')
		|| setweight(to_tsvector('english', "tag_names"), 'B')
		|| setweight(to_tsvector('english', "body"), 'C')
$$;
--> statement-breakpoint
CREATE FUNCTION "article_tag_names"("article" integer) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT coalesce(string_agg("tags"."name", ' '), '')
	FROM "article_tags" INNER JOIN "tags" ON "tags"."id" = "article_tags"."tag_id"
	WHERE "article_tags"."article_id" = "article"
$$;
--> statement-breakpoint
-- The article's own text changed (or it is new: it has no tags yet).
CREATE FUNCTION "article_search_indexed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW."search_vector" := "article_search_document"(NEW."title", NEW."description", NEW."body", "article_tag_names"(NEW."id"));
	RETURN NEW;
END $$;
--> statement-breakpoint
-- Its tags changed: once per statement, for the articles in the transition table. Writers of
-- article_tags already hold the site's row in counters (0002), and the article's row after it,
-- so this adds no new lock order.
CREATE FUNCTION "article_tags_indexed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "articles" SET "search_vector" = "article_search_document"("title", "description", "body", "article_tag_names"("id"))
		WHERE "id" IN (SELECT DISTINCT "article_id" FROM "changed");
	RETURN NULL;
END $$;
--> statement-breakpoint
-- TRUNCATE fires no row or transition triggers: every article is left without tags.
CREATE FUNCTION "article_tags_unindexed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "articles" SET "search_vector" = "article_search_document"("title", "description", "body", '');
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "article_search_indexed" BEFORE INSERT OR UPDATE OF "title", "description", "body" ON "articles"
	FOR EACH ROW EXECUTE FUNCTION "article_search_indexed"();
--> statement-breakpoint
CREATE TRIGGER "article_tags_indexed_added" AFTER INSERT ON "article_tags" REFERENCING NEW TABLE AS "changed"
	FOR EACH STATEMENT EXECUTE FUNCTION "article_tags_indexed"();
--> statement-breakpoint
CREATE TRIGGER "article_tags_indexed_removed" AFTER DELETE ON "article_tags" REFERENCING OLD TABLE AS "changed"
	FOR EACH STATEMENT EXECUTE FUNCTION "article_tags_indexed"();
--> statement-breakpoint
CREATE TRIGGER "article_tags_unindexed" AFTER TRUNCATE ON "article_tags"
	FOR EACH STATEMENT EXECUTE FUNCTION "article_tags_unindexed"();
--> statement-breakpoint
UPDATE "articles" SET "search_vector" = "article_search_document"("title", "description", "body", "article_tag_names"("id"));
--> statement-breakpoint
-- Built after the documents, in one pass.
CREATE INDEX "articles_search_idx" ON "articles" USING gin ("search_vector");
--> statement-breakpoint
-- Slug history (decision 031). Every slug an article takes is recorded as its own; a slug already
-- recorded for another article is refused as a taken slug (as articles_slug_key refuses one, so
-- withUniqueSlug simply tries its next candidate). One of the article's own earlier slugs may be
-- taken back. A concurrent writer of the same slug waits on the primary key, then is refused.
CREATE FUNCTION "article_slug_kept"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO "article_slugs" ("slug", "article_id") VALUES (NEW."slug", NEW."id")
		ON CONFLICT ("slug") DO NOTHING;
	PERFORM 1 FROM "article_slugs" WHERE "slug" = NEW."slug" AND "article_id" = NEW."id";
	IF NOT FOUND THEN
		RAISE EXCEPTION 'The slug % belongs to another article', NEW."slug"
			USING ERRCODE = 'unique_violation', CONSTRAINT = 'articles_slug_key', TABLE = 'articles';
	END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "article_slug_kept" AFTER INSERT OR UPDATE OF "slug" ON "articles"
	FOR EACH ROW EXECUTE FUNCTION "article_slug_kept"();
--> statement-breakpoint
INSERT INTO "article_slugs" ("slug", "article_id") SELECT "slug", "id" FROM "articles";
