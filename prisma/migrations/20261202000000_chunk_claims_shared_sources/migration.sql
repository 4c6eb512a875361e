-- Which worker process holds a chunk (host:pid), so that a worker restarted on the same host can
-- hand back the chunks its dead predecessor held instead of waiting for their queue messages to expire.
ALTER TABLE "ingestion_chunk" ADD COLUMN "claimed_by" TEXT, ADD COLUMN "claimed_at" TIMESTAMP(3);

-- A copy of an ingestion's source file in a PostgreSQL large object, for workers on machines that
-- cannot see the file where it was uploaded; removed (with its large object) when the ingestion ends
-- or the dataset is deleted.
CREATE TABLE "shared_source" (
    "dataset_id" INTEGER NOT NULL,
    "object" OID NOT NULL,
    "bytes" BIGINT NOT NULL,
    CONSTRAINT "shared_source_pkey" PRIMARY KEY ("dataset_id")
);
ALTER TABLE "shared_source" ADD CONSTRAINT "shared_source_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE FUNCTION "shared_source_unlink"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lo_unlink(OLD."object");
  RETURN OLD;
END $$;
CREATE TRIGGER "shared_source_unlink" AFTER DELETE ON "shared_source" FOR EACH ROW EXECUTE FUNCTION "shared_source_unlink"();
