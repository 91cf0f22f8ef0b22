-- The queue of article writes (0002) locks the site's row in `counters`, and locked nothing when
-- that row was missing: after a truncate (db:reset, the tests' reset), until the first article
-- statement's trigger (0001) made it again. A write that did its tags before that trigger ran
-- (an article created in one statement with its tags) then met another doing the same in no
-- order, and two such writers deadlocked on the tags they shared. Now a missing row is made, and
-- locked, before the statement goes on: a concurrent writer that made it first is waited for.
CREATE OR REPLACE FUNCTION "article_writes_queue"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM "counters" WHERE "name" = 'articles' FOR UPDATE;
	IF NOT FOUND THEN
		INSERT INTO "counters" ("name", "value") VALUES ('articles', 0) ON CONFLICT ("name") DO NOTHING;
		PERFORM 1 FROM "counters" WHERE "name" = 'articles' FOR UPDATE;
	END IF;
	RETURN NULL;
END $$;
