// Security events. The collection is append-only: the model refuses updates and deletes, so no code path in this
// process can rewrite history even by mistake.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { modelOn } from './model-on.ts';

export interface AuditEventRecord {
  _id: Types.ObjectId;
  at: Date;
  type: string;
  outcome: 'success' | 'failure';
  accountId?: string;
  clientId?: string;
  /** The operator (an account id) who acted, when a person did through the console; accountId is whom it concerned. */
  actorId?: string;
  ip?: string;
  userAgent?: string;
  reason?: string;
  details?: Record<string, unknown>;
}

const auditEventSchema = new Schema<AuditEventRecord>(
  {
    at: { type: Date, required: true, default: () => new Date() },
    type: { type: String, required: true },
    outcome: { type: String, required: true, enum: ['success', 'failure'] },
    accountId: String,
    clientId: String,
    actorId: String,
    ip: String,
    userAgent: String,
    reason: String,
    details: { type: Schema.Types.Mixed },
  },
  { collection: 'audit_events', versionKey: false },
);

auditEventSchema.index({ at: -1 });
auditEventSchema.index({ accountId: 1, at: -1 });
auditEventSchema.index({ type: 1, at: -1 });

function refuse(): never {
  throw new Error('audit events are append-only');
}
for (const op of ['updateOne', 'updateMany', 'replaceOne', 'findOneAndUpdate', 'findOneAndReplace', 'findOneAndDelete', 'deleteOne', 'deleteMany'] as const) {
  auditEventSchema.pre(op, refuse);
}

export type AuditEventModel = Model<AuditEventRecord>;

export function auditEventModel(conn: Connection): AuditEventModel {
  return modelOn<AuditEventRecord>(conn, 'AuditEvent', auditEventSchema);
}
