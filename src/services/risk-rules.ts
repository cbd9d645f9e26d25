// The risk engine's rules (src/services/risk.ts): the signals it scores, their default weights and thresholds, the
// check of an operator's settings, and the distance the impossible-travel rule measures.
export const RISK_REASONS = ['new_device', 'new_network', 'impossible_travel', 'recent_failures', 'ip_velocity', 'breached_password'] as const;
export type RiskReason = (typeof RISK_REASONS)[number];

export interface RiskRules {
  /** Score at which a second factor is demanded. */
  threshold: number;
  weights: Record<RiskReason, number>;
  /** Wrong passwords on the account within failureWindowSeconds that make recent_failures. */
  failureCount: number;
  failureWindowSeconds: number;
  /** Distinct login names from one address within ipWindowSeconds that make ip_velocity. */
  ipAccounts: number;
  ipWindowSeconds: number;
  /** Speed between the last completed sign-in's place and this one above which travel is impossible. */
  travelKmh: number;
  /** How long a network, a device and a sign-in's place are remembered. */
  networkMemoryDays: number;
}

export const DEFAULT_RISK_RULES: Readonly<RiskRules> = Object.freeze({
  threshold: 50,
  weights: Object.freeze({
    new_device: 30,
    new_network: 15,
    impossible_travel: 60,
    recent_failures: 30,
    ip_velocity: 40,
    breached_password: 50,
  }),
  failureCount: 3,
  failureWindowSeconds: 3600,
  ipAccounts: 5,
  ipWindowSeconds: 3600,
  travelKmh: 900,
  networkMemoryDays: 90,
});

/** The defaults overlaid with the operator's settings; throws on a value that would make a rule meaningless. */
export function resolveRiskRules(rules: Partial<RiskRules> = {}): RiskRules {
  const resolved: RiskRules = { ...DEFAULT_RISK_RULES, ...rules, weights: { ...DEFAULT_RISK_RULES.weights, ...rules.weights } };
  const numbers: [string, number][] = [
    ['threshold', resolved.threshold],
    ...RISK_REASONS.map((r): [string, number] => [`weights.${r}`, resolved.weights[r]]),
  ];
  for (const [name, value] of numbers) {
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`risk rule ${name} must be a number >= 0`);
  }
  for (const name of ['failureCount', 'failureWindowSeconds', 'ipAccounts', 'ipWindowSeconds', 'travelKmh', 'networkMemoryDays'] as const) {
    const value = resolved[name];
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`risk rule ${name} must be a positive number`);
  }
  return resolved;
}

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance (haversine). */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
