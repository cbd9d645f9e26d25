// Strong authentication as the server composes it: the factors (authenticator apps, passkeys, SMS and e-mail codes,
// recovery codes), the sign-in flows that wait for a second factor, the attempt budgets, and the risk engine that
// decides when one is needed. Their expiring stores join the process's expiry registry.
import type { Connection } from 'mongoose';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log.ts';
import type { AuditLog } from '../services/audit.ts';
import type { Cipher } from '../services/crypto.ts';
import type { Expiry } from '../services/expiry.ts';
import { createGeoLookup, type GeoLookup } from '../services/geo.ts';
import { createInteractionFlows } from '../services/interaction-flows.ts';
import type { Mailer } from '../services/mailer.ts';
import type { OneTimeCodes } from '../services/one-time-codes.ts';
import { createRiskEngine } from '../services/risk.ts';
import { createAttemptBudget } from './attempts.ts';
import { createFactorService } from './factors.ts';
import { createPasskeys } from './passkeys.ts';
import { createRecoveryCodes } from './recovery-codes.ts';
import { createSmsCourier } from './sms.ts';
import { createTotp } from './totp.ts';

export interface StrongAuthDeps {
  config: Config;
  conn: Connection;
  cipher: Cipher;
  audit: AuditLog;
  codes: OneTimeCodes;
  mailer: Mailer;
  logger: Logger;
  expiry: Expiry;
  /** The one clock (src/clock.ts). */
  now?: Clock;
}

export async function createStrongAuth(deps: StrongAuthDeps) {
  const { config, conn, cipher, audit, codes, mailer, logger, expiry, now } = deps;
  const sms = createSmsCourier({ config: { ...config.twilio, env: config.env }, logger });
  const totp = createTotp({ conn, cipher, issuerName: config.productName, audit, now });
  const passkeys = createPasskeys({ conn, ...config.webauthn, audit, key: config.dataEncryptionKey, now });
  const recoveryCodes = createRecoveryCodes({ conn, key: config.dataEncryptionKey, audit, now });
  const factors = createFactorService({
    conn,
    codes,
    mailer,
    sms,
    passkeys,
    recoveryCodes,
    audit,
    productName: config.productName,
    cipher,
    key: config.dataEncryptionKey,
    now,
  });
  const risk = createRiskEngine({
    conn,
    key: config.dataEncryptionKey,
    ...(config.risk.geoip ? { geo: backgroundGeo(logger) } : {}),
    rules: { threshold: config.risk.threshold },
    audit,
    now,
  });
  const attempts = createAttemptBudget({ conn, now });
  const flows = createInteractionFlows({ conn, now });
  await recoveryCodes.ensureIndexes();
  await expiry.add(totp, passkeys, factors, risk, attempts, flows);
  return { sms, totp, passkeys, recoveryCodes, factors, risk, attempts, flows };
}

/**
 * geoip-lite's database takes a moment and ~100 MB to load: the server starts without it, and impossible-travel checks
 * begin once it is in memory (a lookup before that knows no place, which the risk engine treats as "no signal").
 */
function backgroundGeo(logger: Logger): GeoLookup {
  let ready: GeoLookup | undefined;
  createGeoLookup().then(
    (geo) => {
      ready = geo;
    },
    (err: unknown) => logger.error({ err }, 'geo lookup unavailable: impossible-travel checks are off'),
  );
  return { lookup: (ip) => ready?.lookup(ip) };
}
