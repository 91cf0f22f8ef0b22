CREATE TABLE "feed_totals" (
	"reader_id" integer PRIMARY KEY NOT NULL,
	"follows" integer DEFAULT 0 NOT NULL,
	"articles" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "feed_totals" ADD CONSTRAINT "feed_totals_reader_id_users_id_fk" FOREIGN KEY ("reader_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Hand-written from here (drizzle-kit does not model triggers). Each reader's feed totals: the
-- authors they follow, and those authors' articles together (decision 036). Follows change the
-- first and move the author's articles in or out of the second; an article written or removed
-- changes the second for every follower of its author.
--
-- A follow and an article by the same author can commit at the same time: the follow reads the
-- author's total while the article's transaction is about to look for the author's followers.
-- The follow therefore first takes the author's row in share mode: an article being written
-- holds that row (its author total is updated first), so the follow waits until it has
-- committed and then reads a total that includes it; an article written after the follow waits
-- for the follow instead and then finds its new follower. The share lock comes before the
-- reader's row, and the article takes the author's row before the readers' rows, so the two
-- never wait on each other in a cycle.
CREATE FUNCTION "follows_counted"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	-- Both triggers name their transition table "changed": added rows, or removed ones.
	sign integer := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
	PERFORM 1 FROM "users" WHERE "id" IN (SELECT "followee_id" FROM "changed") ORDER BY "id" FOR SHARE;
	-- Follows that go with an account (a cascade) are skipped: "account_leaves_feeds" has taken
	-- them out already, and a removed reader has no totals left to keep.
	INSERT INTO "feed_totals" AS "totals" ("reader_id", "follows", "articles")
		SELECT "changed"."follower_id", sign * count(*)::integer,
			sign * coalesce(sum("users"."articles_count"), 0)::integer
		FROM "changed" JOIN "users" ON "users"."id" = "changed"."followee_id"
		WHERE EXISTS (SELECT 1 FROM "users" AS "reader" WHERE "reader"."id" = "changed"."follower_id")
		GROUP BY "changed"."follower_id"
		ON CONFLICT ("reader_id") DO UPDATE SET
			"follows" = "totals"."follows" + excluded."follows",
			"articles" = "totals"."articles" + excluded."articles";
	RETURN NULL;
END $$;
--> statement-breakpoint
-- An account removed takes its articles and follows with it by cascade, and the statement
-- triggers of those cascades may run once both are gone, when neither can find the other. So
-- before the account goes, its readers' totals lose it at once: one follow and all its articles.
CREATE FUNCTION "account_leaves_feeds"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	-- Readers removed earlier in the same statement (deleting several accounts) are left alone:
	-- their rows go with them, and an update would be checked against an account already gone.
	UPDATE "feed_totals" SET "follows" = "follows" - 1, "articles" = "articles" - OLD."articles_count"
		WHERE "reader_id" IN (SELECT "follower_id" FROM "follows" WHERE "followee_id" = OLD."id")
		AND EXISTS (SELECT 1 FROM "users" WHERE "users"."id" = "feed_totals"."reader_id");
	RETURN OLD;
END $$;
--> statement-breakpoint
CREATE TRIGGER "account_leaves_feeds" BEFORE DELETE ON "users"
	FOR EACH ROW EXECUTE FUNCTION "account_leaves_feeds"();
--> statement-breakpoint
CREATE FUNCTION "follows_emptied"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM "feed_totals";
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "follows_added" AFTER INSERT ON "follows" REFERENCING NEW TABLE AS "changed"
	FOR EACH STATEMENT EXECUTE FUNCTION "follows_counted"();
--> statement-breakpoint
CREATE TRIGGER "follows_removed" AFTER DELETE ON "follows" REFERENCING OLD TABLE AS "changed"
	FOR EACH STATEMENT EXECUTE FUNCTION "follows_counted"();
--> statement-breakpoint
CREATE TRIGGER "follows_emptied" AFTER TRUNCATE ON "follows"
	FOR EACH STATEMENT EXECUTE FUNCTION "follows_emptied"();
--> statement-breakpoint
-- Migration 0001's totals, and now each follower's: the author's row first (as before), then
-- the readers' rows.
CREATE OR REPLACE FUNCTION "articles_counted"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	sign integer := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
	INSERT INTO "counters" ("name", "value") SELECT 'articles', sign * count(*) FROM "changed"
		ON CONFLICT ("name") DO UPDATE SET "value" = "counters"."value" + excluded."value";
	-- An author removed in the same statement (a cascade) has no row left to update.
	UPDATE "users" SET "articles_count" = "users"."articles_count" + sign * "per_author"."n"
		FROM (SELECT "author_id", count(*)::integer AS "n" FROM "changed" GROUP BY "author_id") AS "per_author"
		WHERE "users"."id" = "per_author"."author_id";
	-- Articles that go with their author's account were taken out by "account_leaves_feeds".
	UPDATE "feed_totals" SET "articles" = "feed_totals"."articles" + sign * "per_reader"."n"
		FROM (
			SELECT "follows"."follower_id", sum("per_author"."n")::integer AS "n"
			FROM (SELECT "author_id", count(*)::integer AS "n" FROM "changed" GROUP BY "author_id") AS "per_author"
			JOIN "users" ON "users"."id" = "per_author"."author_id"
			JOIN "follows" ON "follows"."followee_id" = "per_author"."author_id"
			GROUP BY "follows"."follower_id"
		) AS "per_reader"
		WHERE "feed_totals"."reader_id" = "per_reader"."follower_id";
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "article_moved"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "users" SET "articles_count" = "articles_count" - 1 WHERE "id" = OLD."author_id";
	UPDATE "users" SET "articles_count" = "articles_count" + 1 WHERE "id" = NEW."author_id";
	UPDATE "feed_totals" SET "articles" = "articles" - 1
		WHERE "reader_id" IN (SELECT "follower_id" FROM "follows" WHERE "followee_id" = OLD."author_id");
	UPDATE "feed_totals" SET "articles" = "articles" + 1
		WHERE "reader_id" IN (SELECT "follower_id" FROM "follows" WHERE "followee_id" = NEW."author_id");
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "articles_emptied"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "counters" SET "value" = 0 WHERE "name" = 'articles';
	UPDATE "users" SET "articles_count" = 0 WHERE "articles_count" <> 0;
	UPDATE "feed_totals" SET "articles" = 0 WHERE "articles" <> 0;
	RETURN NULL;
END $$;
--> statement-breakpoint
-- What is there already.
INSERT INTO "feed_totals" ("reader_id", "follows", "articles")
	SELECT "follows"."follower_id", count(*)::integer, coalesce(sum("users"."articles_count"), 0)::integer
	FROM "follows" JOIN "users" ON "users"."id" = "follows"."followee_id"
	GROUP BY "follows"."follower_id";
