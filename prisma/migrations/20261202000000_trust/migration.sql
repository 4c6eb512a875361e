-- Trust in the answer: the Cell Ontology graph, each reference dataset's label mapping onto the
-- catalogue, few-shot adapters and the fitted decision (combiner, calibration, novelty profile).

CREATE TABLE "ontology_term" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "synonyms" TEXT[],
    "parents" TEXT[],
    CONSTRAINT "ontology_term_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "dataset_label_map" (
    "dataset_id" INTEGER NOT NULL,
    "source_label" TEXT NOT NULL,
    "label_id" INTEGER,
    "ontology_id" TEXT,
    "method" TEXT NOT NULL,
    "score" DOUBLE PRECISION,
    "cells" INTEGER NOT NULL DEFAULT 0,
    "catalogue_version" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "dataset_label_map_pkey" PRIMARY KEY ("dataset_id", "source_label")
);
ALTER TABLE "dataset_label_map" ADD CONSTRAINT "dataset_label_map_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "dataset_label_map" ADD CONSTRAINT "dataset_label_map_label_id_fkey" FOREIGN KEY ("label_id") REFERENCES "label"("id") ON DELETE SET NULL ON UPDATE CASCADE;

CREATE TABLE "adapter" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "model_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "label_ids" INTEGER[],
    "weights" BYTEA NOT NULL,
    "params" JSONB NOT NULL,
    "validation" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "adapter_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "adapter_name_key" ON "adapter"("name");
ALTER TABLE "adapter" ADD CONSTRAINT "adapter_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "model_bundle"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "decision_model" (
    "id" SERIAL NOT NULL,
    "model_id" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "fit" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "decision_model_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "decision_model_model_id_fingerprint_key" ON "decision_model"("model_id", "fingerprint");
ALTER TABLE "decision_model" ADD CONSTRAINT "decision_model_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "model_bundle"("id") ON DELETE CASCADE ON UPDATE CASCADE;
