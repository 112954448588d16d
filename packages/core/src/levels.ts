import { InvalidRequirementError, UnknownLevelError } from './errors.js';

/** What a set of counting events must show to reach a level. */
export interface LevelCriteria {
  /** Distinct factor categories needed (1 = any method, 2 = multi-factor). */
  readonly factors: number;
  /** At least one counting event must be phishing-resistant. */
  readonly phishingResistant?: boolean;
  /** At least one counting event must be hardware-bound. */
  readonly hardwareBound?: boolean;
}

/** A named assurance level (the `acr` value) with its rank and lifetime. */
export interface LevelDefinition {
  /** The `acr` value, e.g. `aal2`. */
  readonly name: string;
  /** Higher is stronger; resource servers compare ranks. */
  readonly rank: number;
  /** How long, in seconds, an event may count toward this level. */
  readonly lifetime: number;
  readonly criteria: LevelCriteria;
  readonly description?: string;
}

const DAY = 86_400;
const HOUR = 3_600;

/**
 * NIST SP 800-63B-4 defaults: aal1 any one method for 30 days; aal2 two
 * categories (or one user-verifying WebAuthn credential) for 24 h; aal3 a
 * hardware-bound, phishing-resistant multi-factor proof for 12 h.
 */
export const DEFAULT_LEVELS: readonly LevelDefinition[] = [
  { name: 'aal1', rank: 1, lifetime: 30 * DAY, criteria: { factors: 1 }, description: 'Any one method' },
  { name: 'aal2', rank: 2, lifetime: 24 * HOUR, criteria: { factors: 2 }, description: 'Two factors of different categories' },
  {
    name: 'aal3',
    rank: 3,
    lifetime: 12 * HOUR,
    criteria: { factors: 2, phishingResistant: true, hardwareBound: true },
    description: 'Hardware-bound, phishing-resistant multi-factor',
  },
];

/**
 * An ordered, validated set of levels. Operators may rename or add levels;
 * ranks and names must be unique.
 */
export class LevelSet {
  /** Levels from the strongest to the weakest. */
  readonly strongestFirst: readonly LevelDefinition[];
  readonly #byName: ReadonlyMap<string, LevelDefinition>;

  /**
   * @param levels - the definitions, in any order
   * @example
   * ```ts
   * const levels = new LevelSet(DEFAULT_LEVELS);
   * levels.get('aal2').rank // 2
   * ```
   */
  constructor(levels: readonly LevelDefinition[] = DEFAULT_LEVELS) {
    if (levels.length === 0) throw new InvalidRequirementError('at least one level must be defined');
    const byName = new Map<string, LevelDefinition>();
    const ranks = new Set<number>();
    for (const level of levels) {
      if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(level.name)) {
        throw new InvalidRequirementError(`level name "${level.name}" must be printable ASCII without spaces or quotes`);
      }
      if (byName.has(level.name)) throw new InvalidRequirementError(`level "${level.name}" is defined twice`);
      if (ranks.has(level.rank)) throw new InvalidRequirementError(`rank ${level.rank} is used by two levels`);
      if (!Number.isInteger(level.criteria.factors) || level.criteria.factors < 1 || level.criteria.factors > 3) {
        throw new InvalidRequirementError(`level "${level.name}": criteria.factors must be 1, 2 or 3`);
      }
      if (!(level.lifetime > 0)) throw new InvalidRequirementError(`level "${level.name}": lifetime must be positive`);
      byName.set(level.name, level);
      ranks.add(level.rank);
    }
    this.#byName = byName;
    this.strongestFirst = [...levels].sort((a, b) => b.rank - a.rank);
  }

  /**
   * The level called `name`.
   *
   * @param name - an `acr` value
   * @throws {@link UnknownLevelError} when no level has that name
   */
  get(name: string): LevelDefinition {
    const level = this.#byName.get(name);
    if (!level) throw new UnknownLevelError(name);
    return level;
  }

  /**
   * Whether a level with this name exists.
   *
   * @param name - an `acr` value
   */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** Level names, weakest first (for `acr_values_supported`). */
  names(): string[] {
    return [...this.strongestFirst].reverse().map((level) => level.name);
  }

  /** `{ name: rank }`, published in discovery so resource servers can compare levels. */
  ranks(): Record<string, number> {
    return Object.fromEntries(this.strongestFirst.map((level) => [level.name, level.rank]));
  }

  /** `{ level: lifetime in seconds }`, strongest first: published for resource servers. */
  lifetimes(): Record<string, number> {
    return Object.fromEntries(this.strongestFirst.map((level) => [level.name, level.lifetime]));
  }

  /** The longest lifetime of any level: events older than this never count. */
  longestLifetime(): number {
    return Math.max(...this.strongestFirst.map((level) => level.lifetime));
  }
}
