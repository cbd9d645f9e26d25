// Where an IP address is, roughly: the offline GeoLite data shipped inside geoip-lite (no network calls, no account).
// Only the risk engine's impossible-travel rule uses it, and it is optional: without a GeoLookup that rule is off.
//
// Cost, measured on the CI machine (Node 24, geoip-lite 2.0.3): the import reads ~110 MB of data files into memory
// synchronously — about 100-170 ms with the event loop blocked, and RSS grows by ~110 MB (almost all of it Buffers,
// `external`). Hence the dynamic import: nothing is paid unless the operator turns the rule on, and the composition
// root should call createGeoLookup() once at start, never on a request. Later calls share the loaded module. A
// lookup then takes microseconds.
//
// The data locates an address to a city at best, often only to a country's centre (accuracy radius ~1000 km), and
// IPv6 mostly to a country; private, loopback and unknown addresses have no place at all.

export interface GeoPoint {
  lat: number;
  lon: number;
  /** ISO 3166-1 alpha-2. */
  country?: string;
  city?: string;
  /** Accuracy radius in km as the data states it. */
  accuracyKm?: number;
}

export interface GeoLookup {
  lookup(ip: string): GeoPoint | undefined;
}

type GeoipLite = typeof import('geoip-lite');

let loading: Promise<GeoipLite> | undefined;

function load(): Promise<GeoipLite> {
  loading ??= import('geoip-lite').then((mod) => {
    // CommonJS module: Node hands its exports over as `default`.
    const withDefault = mod as GeoipLite & { default?: GeoipLite };
    return withDefault.default ?? mod;
  });
  return loading;
}

/** Loads geoip-lite's data (see the cost above) and answers lookups from memory. */
export async function createGeoLookup(): Promise<GeoLookup> {
  const geoip = await load();
  return {
    lookup(ip) {
      const hit = geoip.lookup(ip);
      if (!hit) return undefined;
      const [lat, lon] = hit.ll as [number | null, number | null];
      // A range without a location answers ll [null, null] (IPv4) or [0, 0] (IPv6): that is no place.
      if (typeof lat !== 'number' || typeof lon !== 'number' || (lat === 0 && lon === 0)) return undefined;
      const point: GeoPoint = { lat, lon };
      if (hit.country) point.country = hit.country;
      if (hit.city) point.city = hit.city;
      if (typeof hit.area === 'number' && hit.area > 0) point.accuracyKm = hit.area;
      return point;
    },
  };
}
