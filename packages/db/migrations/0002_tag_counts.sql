ALTER TABLE "tags" ADD COLUMN "articles_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "tags_popular_idx" ON "tags" USING btree ("articles_count" DESC NULLS LAST,"name");--> statement-breakpoint
-- Hand-written from here: how many articles carry each tag, for the tag list and the total of a
-- list by tag, kept as 0001 keeps the article totals (per statement, from transition tables).
-- A tag's row is locked by every article written with it; so that two writers never hold one tag
-- each and wait for the other's, every statement that adds or removes articles or their tags
-- first takes the site's row in `counters`: article writes queue there, in one order.
CREATE FUNCTION "article_writes_queue"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM "counters" WHERE "name" = 'articles' FOR UPDATE;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "article_tags_counted"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	-- Both triggers name their transition table "changed": added links, or removed ones.
	sign integer := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
	-- A tag removed in the same statement (a cascade) has no row left to update.
	UPDATE "tags" SET "articles_count" = "tags"."articles_count" + sign * "per_tag"."n"
		FROM (SELECT "tag_id", count(*)::integer AS "n" FROM "changed" GROUP BY "tag_id") AS "per_tag"
		WHERE "tags"."id" = "per_tag"."tag_id";
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "article_tags_emptied"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "tags" SET "articles_count" = 0 WHERE "articles_count" <> 0;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "articles_queue" BEFORE INSERT OR DELETE ON "articles"
	FOR EACH STATEMENT EXECUTE FUNCTION "article_writes_queue"();
--> statement-breakpoint
CREATE TRIGGER "article_tags_queue" BEFORE INSERT OR DELETE ON "article_tags"
	FOR EACH STATEMENT EXECUTE FUNCTION "article_writes_queue"();
--> statement-breakpoint
CREATE TRIGGER "article_tags_added" AFTER INSERT ON "article_tags" REFERENCING NEW TABLE AS "changed"
	FOR EACH STATEMENT EXECUTE FUNCTION "article_tags_counted"();
--> statement-breakpoint
CREATE TRIGGER "article_tags_removed" AFTER DELETE ON "article_tags" REFERENCING OLD TABLE AS "changed"
	FOR EACH STATEMENT EXECUTE FUNCTION "article_tags_counted"();
--> statement-breakpoint
CREATE TRIGGER "article_tags_emptied" AFTER TRUNCATE ON "article_tags"
	FOR EACH STATEMENT EXECUTE FUNCTION "article_tags_emptied"();
--> statement-breakpoint
-- What is there already.
UPDATE "tags" SET "articles_count" = "per_tag"."n"
	FROM (SELECT "tag_id", count(*)::integer AS "n" FROM "article_tags" GROUP BY "tag_id") AS "per_tag"
	WHERE "tags"."id" = "per_tag"."tag_id";
