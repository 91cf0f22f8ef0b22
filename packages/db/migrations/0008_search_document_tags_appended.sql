-- Search documents (0005, decision 030) made once per article create instead of twice. A create
-- writes the article's row, whose trigger makes its document without tags (none are linked yet),
-- then links its tags, whose trigger made the whole document again: the body tokenized a second
-- time, about 0.7 ms of a create's 2.2 ms in PostgreSQL (decision 049). The tags now come last in
-- the document, after the body, so tags linked to an article that had none are appended to the
-- document it has: the same tsvector as made whole, since `||` shifts the right side's positions
-- past the left's. An article that already had tags has its document made whole, as before.
--
-- The weights are those of 0005 (the tags still weigh B); only positions move, which a phrase
-- search spanning the body's end and the tags, or ts_rank's proximity, can tell. So the documents
-- already made are left as they are, not all rewritten here (a rewrite of every article row, and
-- its WAL, on a large site): a tagged article's document moves its tags to the end when next
-- made. An untagged one's is the same in both orders, which is what the appending relies on.
CREATE OR REPLACE FUNCTION "article_search_document"("title" text, "description" text, "body" text, "tag_names" text)
	RETURNS tsvector LANGUAGE sql STABLE AS $$
	SELECT setweight(to_tsvector('english', "title"), 'A')
		|| setweight(to_tsvector('english', "description"), 'B')
		|| setweight(to_tsvector('english', "body"), 'C')
		|| setweight(to_tsvector('english', "tag_names"), 'B')
$$;
--> statement-breakpoint
-- In one order, by name: a document made whole and one appended to must agree on the tags' order.
CREATE OR REPLACE FUNCTION "article_tag_names"("article" integer) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT coalesce(string_agg("tags"."name", ' ' ORDER BY "tags"."name"), '')
	FROM "article_tags" INNER JOIN "tags" ON "tags"."id" = "article_tags"."tag_id"
	WHERE "article_tags"."article_id" = "article"
$$;
--> statement-breakpoint
-- Tags linked, once per statement. An article all of whose tags this statement linked had none
-- before it, so its document holds no tags (every writer keeps it so: this trigger, the removal
-- and TRUNCATE triggers of 0005, the row's own trigger): the tags are appended. The others are
-- made whole. A statement that both unlinks and links one article's tags would have it made
-- whole by the removal trigger and then appended to again; the writers unlink and link in two
-- statements (replaceArticleTags).
CREATE FUNCTION "article_tags_added_indexed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "articles" SET "search_vector" = CASE
		WHEN "linked"."all_new"
			THEN "articles"."search_vector" || setweight(to_tsvector('english', "article_tag_names"("articles"."id")), 'B')
		ELSE "article_search_document"("articles"."title", "articles"."description", "articles"."body", "article_tag_names"("articles"."id"))
	END
	FROM (
		SELECT "changed"."article_id",
			count(*) = (SELECT count(*) FROM "article_tags" WHERE "article_tags"."article_id" = "changed"."article_id") AS "all_new"
		FROM "changed" GROUP BY "changed"."article_id"
	) AS "linked"
	WHERE "articles"."id" = "linked"."article_id";
	RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER "article_tags_indexed_added" ON "article_tags";
--> statement-breakpoint
CREATE TRIGGER "article_tags_indexed_added" AFTER INSERT ON "article_tags" REFERENCING NEW TABLE AS "changed"
	FOR EACH STATEMENT EXECUTE FUNCTION "article_tags_added_indexed"();
