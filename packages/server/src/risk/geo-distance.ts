const EARTH_RADIUS_KM = 6371.0088;

const radians = (degrees: number) => (degrees * Math.PI) / 180;

/**
 * Great-circle distance between two points (haversine), in kilometres.
 *
 * @param from - `[latitude, longitude]` in degrees
 * @param to - `[latitude, longitude]` in degrees
 * @example
 * ```ts
 * haversineKm([48.8566, 2.3522], [51.5074, -0.1278]) // ≈ 344
 * ```
 */
export function haversineKm(from: readonly [number, number], to: readonly [number, number]): number {
  const dLat = radians(to[0] - from[0]);
  const dLon = radians(to[1] - from[1]);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(radians(from[0])) * Math.cos(radians(to[0])) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}
