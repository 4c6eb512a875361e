-- The explorer's 2-D map of the atlas: one row per computed layout version. Coordinates are kept
-- as two packed arrays (int32 LE cell ids, float32 LE x,y pairs) rather than a row per cell: the
-- map is always read whole (12 bytes a cell, 12 MB at 1M cells) and written once per version.
CREATE TYPE "layout_state" AS ENUM ('RUNNING', 'READY', 'FAILED');

CREATE TABLE "cell_layout" (
    "version" SERIAL NOT NULL,
    "model_id" TEXT NOT NULL,
    "state" "layout_state" NOT NULL DEFAULT 'RUNNING',
    "method" TEXT NOT NULL,
    "based_on" INTEGER,
    "params" JSONB NOT NULL DEFAULT '{}',
    "atlas" JSONB NOT NULL DEFAULT '{}',
    "stage" TEXT NOT NULL DEFAULT 'queued',
    "processed_cells" INTEGER NOT NULL DEFAULT 0,
    "total_cells" INTEGER NOT NULL DEFAULT 0,
    "sample_cells" INTEGER NOT NULL DEFAULT 0,
    "seconds" DOUBLE PRECISION,
    "cell_ids" BYTEA,
    "coords" BYTEA,
    "error_message" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),
    CONSTRAINT "cell_layout_pkey" PRIMARY KEY ("version")
);
CREATE INDEX "cell_layout_model_id_state_idx" ON "cell_layout"("model_id", "state");
ALTER TABLE "cell_layout" ADD CONSTRAINT "cell_layout_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "model_bundle"("id") ON DELETE CASCADE ON UPDATE CASCADE;
