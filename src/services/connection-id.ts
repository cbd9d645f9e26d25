// A connection's id (services/connections.ts): in client metadata, URLs and identity keys, so a small alphabet.
export const CONNECTION_ID = /^[a-z0-9][a-z0-9-]{1,39}$/;
