CREATE TABLE "counters" (
	"name" text PRIMARY KEY NOT NULL,
	"value" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "articles_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Hand-written from here (drizzle-kit does not model triggers). The totals a list shows beside
-- its page: every article on the site, and each author's. Counted per statement from the
-- statement's transition table, so a bulk load or a cascade (an account removed with its
-- articles) costs one update per author, not one per row. Every writer locks the site's row
-- first and the authors' rows after it, so two writers cannot wait on each other in a cycle.
CREATE FUNCTION "articles_counted"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	-- Both triggers name their transition table "changed": added rows, or removed ones.
	sign integer := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
	INSERT INTO "counters" ("name", "value") SELECT 'articles', sign * count(*) FROM "changed"
		ON CONFLICT ("name") DO UPDATE SET "value" = "counters"."value" + excluded."value";
	-- An author removed in the same statement (a cascade) has no row left to update.
	UPDATE "users" SET "articles_count" = "users"."articles_count" + sign * "per_author"."n"
		FROM (SELECT "author_id", count(*)::integer AS "n" FROM "changed" GROUP BY "author_id") AS "per_author"
		WHERE "users"."id" = "per_author"."author_id";
	RETURN NULL;
END $$;
--> statement-breakpoint
-- An article changing hands (no procedure does it; a hand-made fix might).
CREATE FUNCTION "article_moved"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "users" SET "articles_count" = "articles_count" - 1 WHERE "id" = OLD."author_id";
	UPDATE "users" SET "articles_count" = "articles_count" + 1 WHERE "id" = NEW."author_id";
	RETURN NULL;
END $$;
--> statement-breakpoint
-- TRUNCATE fires no row or transition triggers: start the totals again from nothing.
CREATE FUNCTION "articles_emptied"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "counters" SET "value" = 0 WHERE "name" = 'articles';
	UPDATE "users" SET "articles_count" = 0 WHERE "articles_count" <> 0;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "articles_added" AFTER INSERT ON "articles" REFERENCING NEW TABLE AS "changed"
	FOR EACH STATEMENT EXECUTE FUNCTION "articles_counted"();
--> statement-breakpoint
CREATE TRIGGER "articles_removed" AFTER DELETE ON "articles" REFERENCING OLD TABLE AS "changed"
	FOR EACH STATEMENT EXECUTE FUNCTION "articles_counted"();
--> statement-breakpoint
CREATE TRIGGER "article_moved" AFTER UPDATE OF "author_id" ON "articles"
	FOR EACH ROW WHEN (OLD."author_id" IS DISTINCT FROM NEW."author_id") EXECUTE FUNCTION "article_moved"();
--> statement-breakpoint
CREATE TRIGGER "articles_emptied" AFTER TRUNCATE ON "articles"
	FOR EACH STATEMENT EXECUTE FUNCTION "articles_emptied"();
--> statement-breakpoint
-- What is there already.
INSERT INTO "counters" ("name", "value") SELECT 'articles', count(*) FROM "articles";
--> statement-breakpoint
UPDATE "users" SET "articles_count" = "per_author"."n"
	FROM (SELECT "author_id", count(*)::integer AS "n" FROM "articles" GROUP BY "author_id") AS "per_author"
	WHERE "users"."id" = "per_author"."author_id";
