// A connection's model of a name, compiled once: every repository asks for its model per connection (tests open
// several), and mongoose refuses to compile one name twice.
import type { Connection, Model, Schema } from 'mongoose';

export function modelOn<T>(conn: Connection, name: string, schema: Schema<T>): Model<T> {
  return (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema);
}
