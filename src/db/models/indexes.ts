// The connection runs with autoIndex off (index builds must not surprise a production start), so indexes the
// code relies on for correctness, such as the unique e-mail, are created here, once, at start.
import type { Connection } from 'mongoose';
import { auditEventModel } from './audit-event.ts';
import { consentRecordModel } from './consent-record.ts';
import { legalAcceptanceModel } from './legal-acceptance.ts';
import { preferenceChangeModel } from './preference.ts';
import { keyRingModel } from './signing-key.ts';
import { userModel } from './user.ts';

export async function ensureModelIndexes(conn: Connection): Promise<void> {
  for (const model of [userModel(conn), auditEventModel(conn), consentRecordModel(conn), keyRingModel(conn), preferenceChangeModel(conn), legalAcceptanceModel(conn)]) {
    await model.createIndexes();
  }
}
