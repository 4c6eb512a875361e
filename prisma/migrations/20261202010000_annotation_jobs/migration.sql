-- Annotation jobs: a query file annotated as a whole through the API, its per-cell results and,
-- when the file has a truth column, the evaluation. Written to match prisma/schema.prisma.

CREATE TABLE "annotation_job" (
    "id" SERIAL NOT NULL,
    "state" "job_state" NOT NULL DEFAULT 'QUEUED',
    "file_name" TEXT NOT NULL,
    "source_path" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "truth_column" TEXT,
    "values_read_as" TEXT,
    "model_id" TEXT NOT NULL,
    "total_cells" INTEGER NOT NULL,
    "processed_cells" INTEGER NOT NULL DEFAULT 0,
    "evaluation" JSONB,
    "error_code" TEXT,
    "error_message" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "annotation_job_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "annotation_result" (
    "job_id" INTEGER NOT NULL,
    "row" INTEGER NOT NULL,
    "external_id" TEXT NOT NULL,
    "label" TEXT,
    "best_label" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "confidence" DOUBLE PRECISION NOT NULL,
    "novelty" DOUBLE PRECISION,
    "truth" TEXT,
    "neighbor_cell_ids" INTEGER[],
    CONSTRAINT "annotation_result_pkey" PRIMARY KEY ("job_id", "row"),
    CONSTRAINT "annotation_result_status_check" CHECK ("status" IN ('ASSIGNED', 'UNASSIGNED'))
);
CREATE INDEX "annotation_result_job_id_status_row_idx" ON "annotation_result"("job_id", "status", "row");

ALTER TABLE "annotation_result" ADD CONSTRAINT "annotation_result_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "annotation_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
