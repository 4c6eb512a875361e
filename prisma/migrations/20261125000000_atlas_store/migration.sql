-- The atlas store: model bundles, datasets, cells, labels and their embeddings, ingestion jobs.
-- Written to match prisma/schema.prisma (names follow Prisma's conventions).

CREATE TYPE "dataset_state" AS ENUM ('INGESTING', 'READY', 'FAILED', 'CANCELLED');
CREATE TYPE "job_state" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

CREATE TABLE "model_bundle" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "embedding_dim" INTEGER NOT NULL,
    "cell_hidden" INTEGER NOT NULL,
    "vocabulary_size" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "model_bundle_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "dataset" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "state" "dataset_state" NOT NULL DEFAULT 'INGESTING',
    "source_path" TEXT NOT NULL,
    "source_sha256" TEXT NOT NULL,
    "source_bytes" BIGINT NOT NULL,
    "format" TEXT NOT NULL,
    "matrix_location" TEXT NOT NULL,
    "value_kind" TEXT NOT NULL,
    "species" TEXT NOT NULL,
    "model_id" TEXT NOT NULL,
    "total_cells" INTEGER NOT NULL,
    "cell_count" INTEGER NOT NULL DEFAULT 0,
    "genes_matched" INTEGER NOT NULL,
    "genes_total" INTEGER NOT NULL,
    "label_column" TEXT,
    "metadata_columns" TEXT[],
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMP(3),
    CONSTRAINT "dataset_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "dataset_name_key" ON "dataset"("name");

CREATE TABLE "cell" (
    "id" SERIAL NOT NULL,
    "dataset_id" INTEGER NOT NULL,
    "row_index" INTEGER NOT NULL,
    "external_id" TEXT NOT NULL,
    "label" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "gene_count" INTEGER NOT NULL,
    "token_ids" BYTEA NOT NULL,
    "embedding" BYTEA NOT NULL,
    CONSTRAINT "cell_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "cell_dataset_id_row_index_key" ON "cell"("dataset_id", "row_index");
CREATE UNIQUE INDEX "cell_dataset_id_external_id_key" ON "cell"("dataset_id", "external_id");

CREATE TABLE "label" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "ontology_id" TEXT,
    "description" TEXT,
    "synonyms" TEXT[],
    "parents" TEXT[],
    "prompt_text" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "label_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "label_name_key" ON "label"("name");
CREATE UNIQUE INDEX "label_ontology_id_key" ON "label"("ontology_id");

CREATE TABLE "label_embedding" (
    "label_id" INTEGER NOT NULL,
    "model_id" TEXT NOT NULL,
    "prompt_sha256" TEXT NOT NULL,
    "embedding" BYTEA NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "label_embedding_pkey" PRIMARY KEY ("label_id", "model_id")
);

CREATE TABLE "ingestion_job" (
    "id" SERIAL NOT NULL,
    "dataset_id" INTEGER NOT NULL,
    "state" "job_state" NOT NULL DEFAULT 'QUEUED',
    "options" JSONB NOT NULL,
    "chunk_size" INTEGER NOT NULL,
    "chunk_count" INTEGER NOT NULL,
    "chunks_done" INTEGER NOT NULL DEFAULT 0,
    "total_cells" INTEGER NOT NULL,
    "processed_cells" INTEGER NOT NULL DEFAULT 0,
    "timings" JSONB NOT NULL DEFAULT '{}',
    "error_code" TEXT,
    "error_message" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ingestion_job_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ingestion_chunk" (
    "job_id" INTEGER NOT NULL,
    "index" INTEGER NOT NULL,
    "start" INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    "done_at" TIMESTAMP(3),
    CONSTRAINT "ingestion_chunk_pkey" PRIMARY KEY ("job_id", "index")
);

ALTER TABLE "dataset" ADD CONSTRAINT "dataset_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "model_bundle"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "cell" ADD CONSTRAINT "cell_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "label_embedding" ADD CONSTRAINT "label_embedding_label_id_fkey" FOREIGN KEY ("label_id") REFERENCES "label"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "label_embedding" ADD CONSTRAINT "label_embedding_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "model_bundle"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ingestion_job" ADD CONSTRAINT "ingestion_job_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ingestion_chunk" ADD CONSTRAINT "ingestion_chunk_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "ingestion_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
