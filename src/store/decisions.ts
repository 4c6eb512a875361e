/** Fitted decisions (combiner, calibration, novelty profile), one per model and atlas state (its fingerprint). */
import type { Database } from './database.ts';

export async function getDecisionFit(db: Database, modelId: string, fingerprint: string): Promise<unknown> {
  const row = await db.prisma.decisionModel.findUnique({ where: { modelId_fingerprint: { modelId, fingerprint } }, select: { fit: true } });
  return row?.fit ?? null;
}

export async function saveDecisionFit(db: Database, modelId: string, fingerprint: string, fit: object): Promise<void> {
  await db.prisma.decisionModel.upsert({
    where: { modelId_fingerprint: { modelId, fingerprint } },
    create: { modelId, fingerprint, fit },
    update: { fit, createdAt: new Date() },
  });
}

/** The most recent fit for a model, whatever atlas state it was made for (reported while a new one is fitted). */
export async function latestDecisionFit(db: Database, modelId: string): Promise<{ fingerprint: string; fit: unknown; createdAt: Date } | null> {
  return db.prisma.decisionModel.findFirst({ where: { modelId }, orderBy: { createdAt: 'desc' }, select: { fingerprint: true, fit: true, createdAt: true } });
}
